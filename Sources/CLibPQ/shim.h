#include <libpq-fe.h>

// The PG_DIAG_* field codes are character-literal macros, which Swift cannot import.
static const int TM_PG_DIAG_SEVERITY_NONLOCALIZED = 'V';
static const int TM_PG_DIAG_SQLSTATE = 'C';
static const int TM_PG_DIAG_MESSAGE_PRIMARY = 'M';
static const int TM_PG_DIAG_MESSAGE_DETAIL = 'D';
static const int TM_PG_DIAG_MESSAGE_HINT = 'H';
static const int TM_PG_DIAG_CONSTRAINT_NAME = 'n';
static const int TM_PG_DIAG_TABLE_NAME = 't';
static const int TM_PG_DIAG_COLUMN_NAME = 'c';
