"""Default settings; instance/config.py and LMS_* environment variables override them."""

from __future__ import annotations


class MissingSecretKey(RuntimeError):
    """Start-up outside debug/testing without a secret key."""


class DefaultConfig:
    # No default secret: create_app() refuses to start outside debug/testing without one.
    SECRET_KEY: str | None = None
    # Empty means SQLite in the instance folder (lms.sqlite).
    DATABASE_URL: str = ""
    PUBLIC_URL: str = "http://127.0.0.1:5000"
    # Issuer name published with the certificate signing keys and shown on the verify page.
    PLATFORM_NAME: str = "Lentera"
    # Certificate signing keys (lms.certificates.keys): the key store folder (empty means <instance>/keys), or the
    # current private key itself as base64 of the raw 32 bytes (LMS_SIGNING_KEY), which then signs.
    SIGNING_KEYS_DIR: str = ""
    SIGNING_KEY: str = ""
    # Where the keys live: "files" (the folder above; one host) or "database" (every host; lms.certificates.
    # key_database), private halves encrypted with KEY_ENCRYPTION_KEY (base64 of 32 bytes, from the environment).
    # Empty: the database when KEY_ENCRYPTION_KEY is given, the folder otherwise.
    SIGNING_KEYS: str = ""
    KEY_ENCRYPTION_KEY: str = ""
    # How long a host verifies with the keys it read (a withdrawal elsewhere reaches its verify page this late).
    SIGNING_KEYS_CACHE_SECONDS: float = 5
    # Redis: rate-limit counters and the job queue (lms.jobs), shared by every worker and host.
    REDIS_URL: str = ""
    # Job queue: without REDIS_URL a SQLite file (empty means <instance>/jobs.sqlite). JOBS_IMMEDIATE runs every job
    # at once in the caller (None: only under TESTING). `lms run` starts a consumer thread when JOBS_CONSUMER_IN_RUN
    # (None: when there is no REDIS_URL); otherwise run `lms worker`.
    JOBS_SQLITE_PATH: str = ""
    JOBS_IMMEDIATE: bool | None = None
    JOBS_CONSUMER_IN_RUN: bool | None = None
    JOBS_QUEUE_NAME: str = "lentera"

    # No ping before each use of a pooled connection (a round trip per request): on PostgreSQL a connection the
    # server closed is found at checkout from its socket instead (lms.core.database._refuse_dropped_connection).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # On PostgreSQL, a report page's statements (the organization dashboard) are cancelled after this many
    # milliseconds: a slow report must not hold a worker while verifications and quiz saves wait (0: no limit).
    REPORT_STATEMENT_TIMEOUT_MS: int = 5000

    # Werkzeug's scrypt: a memory-hard slow hash. Tests lower the cost to stay fast.
    PASSWORD_HASH_METHOD: str = "scrypt"
    PASSWORD_MIN_LENGTH: int = 10
    PASSWORD_RESET_MAX_AGE: int = 3600
    # How long an invited (imported) member's set-password link works, in seconds.
    INVITATION_MAX_AGE: int = 14 * 24 * 3600

    # Platform admins and the admins of organizations with "admins must use two-factor" on must log in with a TOTP
    # code (lms.accounts.two_factor). `make run` turns it off for the demo; keep it on in production.
    REQUIRE_2FA_FOR_ADMINS: bool = True

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12

    # CSRF is checked in a before_request hook so that bearer-token API calls are exempt.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
    # The language organizations write their own content in (courses, lessons, instruments, rule sources): pages mark
    # it with lang="…" so that an English page reads it, and screen readers speak it, as Indonesian.
    CONTENT_LANGUAGE = "id"

    # Addresses or networks of the proxies in front of the app ("10.0.0.2, 10.0.1.0/24"), whose X-Forwarded-For and
    # X-Forwarded-Proto are believed (lms.core.proxies); empty: no proxy, the connection's address is the client.
    TRUSTED_PROXIES = ""

    # Request budgets (lms.core.rate_limits, lms.accounts.throttle): "N per second|minute|hour|day".
    RATELIMIT_ENABLED = True
    # Login, token and password-reset requests per client address: high, so that a class behind one NAT gets in.
    LOGIN_RATE_LIMIT = "60 per minute"
    # Failed logins per account from all addresses together; over it the account waits for the window to end.
    ACCOUNT_LOGIN_FAILURE_LIMIT = "10 per 10 minutes"
    # Mails one e-mail address can be sent by reset requests or registration attempts.
    ACCOUNT_MAIL_LIMIT = "5 per hour"
    REGISTER_RATE_LIMIT = "100 per hour"
    # Public certificate verification (/v/<token>, the manual form, POST /api/v1/verify), per client address.
    VERIFY_RATE_LIMIT = "60 per minute"
    # Answer a cookie-less scan of /v/<token> in front of Flask from the pages the view keeps (the same bytes:
    # lms.certificates.verify_fast_path); False sends every scan through the view.
    VERIFY_FAST_PATH = True

    # SMTP for outgoing mail; with no MAIL_SERVER messages are kept in the outbox table (/admin/outbox).
    MAIL_SERVER: str = ""
    MAIL_PORT: int = 587
    MAIL_USE_TLS: bool = True
    MAIL_USERNAME: str = ""
    MAIL_PASSWORD: str = ""
    MAIL_SENDER: str = "Lentera <no-reply@lentera.test>"
    # Seconds to wait for the SMTP server; a refusal or timeout fails the mail job, which is retried this many
    # seconds later (at most MAIL_RETRIES times), never the request that caused the notification.
    MAIL_TIMEOUT: float = 15
    MAIL_RETRY_DELAY: int = 120
    MAIL_RETRIES: int = 8

    API_TITLE = "Lentera API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # SKP granted per JPL of a training's core (inti) subjects when a course does not set its SKP explicitly.
    # The national conversion rate is not in public sources we could confirm: set it per deployment.
    SKP_PER_CORE_JPL = "1"
    # Quizzes: an answer or submit this many seconds after an attempt's deadline still counts (requests in flight
    # when the time runs out); question images are at most this large.
    QUIZ_ANSWER_GRACE_SECONDS = 2
    QUIZ_IMAGE_MAX_BYTES = 1024 * 1024
    # GIFT / Aiken question files: larger ones are refused with a message to split them (a request must end well
    # within the worker's timeout).
    QUESTION_FILE_MAX_BYTES = 1024 * 1024
    QUESTION_FILE_MAX_QUESTIONS = 1000
    # A question file with more questions or bytes than these is imported by a background job with a progress bar.
    QUESTION_IMPORT_JOB_QUESTIONS = 200
    QUESTION_IMPORT_JOB_BYTES = 256 * 1024
    # Folder of the shipped curricula that `lms demo` imports and publishes.
    COURSES_DIR = ""

    # Attendance check-in window: opens this many minutes before a session starts; a check-in more than
    # LATE_AFTER minutes after the start is "terlambat"; closes this many minutes after the session ends.
    ATTENDANCE_OPENS_BEFORE_MINUTES = 30
    ATTENDANCE_LATE_AFTER_MINUTES = 15
    ATTENDANCE_CLOSES_AFTER_END_MINUTES = 15
    # How long a scanned room QR stays good while the learner logs in and confirms (the QR itself lives 15-30 s).
    ATTENDANCE_QR_GRANT_SECONDS = 300
    # Default window of a new webinar code, in minutes.
    ATTENDANCE_CODE_MINUTES = 10

    # Uploaded and generated files (lms.core.storage): "local" keeps them under UPLOADS_DIR (empty means
    # <instance>/uploads), "database" as rows every host shares; empty: database on PostgreSQL, local on SQLite.
    STORAGE = ""
    UPLOADS_DIR = ""
    # Largest lesson attachment accepted, in bytes (keep it below MAX_CONTENT_LENGTH).
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    # Largest logo or signature image accepted for certificates, in bytes (lms.certificates.images.clean_image).
    CERTIFICATE_IMAGE_MAX_BYTES = 2 * 1024 * 1024
    # Evidence of self-reported SKP activities (PDF or image).
    EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
