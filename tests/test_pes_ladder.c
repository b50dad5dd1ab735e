/* The pes tests again, against the ladder queue (sim/ladder/pes_ladder.c,
 * compiled here; the library carries the 4-ary heap). The ladder cancels
 * lazily, so test_pes.c's lazy-design checks apply. */
#define PES_CANCEL_EAGER 0
#include "../sim/ladder/pes_ladder.c"
#include "test_pes.c"
