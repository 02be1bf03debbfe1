"""Certificate rules: eligibility, issuance (automatic, approved, bulk), numbering, life cycle, settings, lookups.

Services only flush; the caller (a view, the API, the command line) commits. `actor` None means the system itself:
automatic issuance when a learner becomes eligible, or a trusted operator on the command line.
"""

from lms.certificates.services.cohort_page import (
    CertificateRow,
    cohort_certificates,
    enrolment_in_cohort,
    example_number,
    sample_document,
)
from lms.certificates.services.eligibility import (
    certificate_requirement,
    is_eligible,
    live_certificate_of,
    missing_requirements,
)
from lms.certificates.services.issuance import (
    AlreadyIssued,
    NotEligible,
    issue_certificate,
    issue_for_cohort,
    issue_many,
    issue_when_eligible,
)
from lms.certificates.services.lifecycle import (
    MAX_REASON_LENGTH,
    InvalidStatusChange,
    reinstate_certificate,
    reissue_certificate,
    revoke_certificate,
    suspend_certificate,
)
from lms.certificates.services.lookups import (
    certificate_by_public_id,
    certificate_in,
    certificate_of,
    certificates_of,
    find_by_number_and_code,
    live_status,
    status_rows_of_organization,
)
from lms.certificates.services.number_sequence import reserve_numbers
from lms.certificates.services.printing import (
    certificate_pdf,
    certificate_preview_png,
    document_of,
    share_url,
    status_stamp,
    verify_url,
)
from lms.certificates.services.settings import (
    HEX_COLOUR,
    MAX_SIGNATORIES,
    STORAGE_FOLDER_LOGOS,
    STORAGE_FOLDER_SIGNATURES,
    add_signatory,
    layout_names,
    remove_logo,
    remove_signatory,
    set_logo,
    settings_for,
    update_settings,
)

# Tests read the certificate's requirement list through this package, as they did through the single module.
from lms.courses.requirements import requirements_for

__all__ = [
    "HEX_COLOUR",
    "MAX_REASON_LENGTH",
    "MAX_SIGNATORIES",
    "STORAGE_FOLDER_LOGOS",
    "STORAGE_FOLDER_SIGNATURES",
    "AlreadyIssued",
    "CertificateRow",
    "InvalidStatusChange",
    "NotEligible",
    "add_signatory",
    "certificate_by_public_id",
    "certificate_in",
    "certificate_of",
    "certificate_pdf",
    "status_stamp",
    "certificate_preview_png",
    "certificate_requirement",
    "certificates_of",
    "cohort_certificates",
    "document_of",
    "enrolment_in_cohort",
    "example_number",
    "find_by_number_and_code",
    "is_eligible",
    "issue_certificate",
    "issue_for_cohort",
    "issue_many",
    "issue_when_eligible",
    "layout_names",
    "live_certificate_of",
    "live_status",
    "status_rows_of_organization",
    "missing_requirements",
    "reinstate_certificate",
    "reissue_certificate",
    "remove_logo",
    "remove_signatory",
    "requirements_for",
    "reserve_numbers",
    "revoke_certificate",
    "sample_document",
    "set_logo",
    "settings_for",
    "share_url",
    "suspend_certificate",
    "update_settings",
    "verify_url",
]
