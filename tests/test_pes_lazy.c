/* The pes tests again, against the lazy cancellation design (compiled here;
 * the library carries the default, removal by handle). */
#define PES_CANCEL_EAGER 0
#include "../sim/pes.c"
#include "test_pes.c"
