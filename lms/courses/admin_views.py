"""Organization-admin pages for courses: versions, publishing, cohorts, enrolment decisions, rosters."""
