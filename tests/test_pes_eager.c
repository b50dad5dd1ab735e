/* The pes tests again, against the removal-by-handle cancellation design
 * (compiled here; the library carries the default design). */
#define PES_CANCEL_EAGER 1
#include "../sim/pes.c"
#include "test_pes.c"
