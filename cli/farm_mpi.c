/*
 * farm_mpi: the MPI transport of a sweep (make MPI=1; see farm.h). Started
 * by mpirun or srun, rank 0 is the writer and hands out run numbers on
 * request; ranks 1..N-1 simulate and send each finished run back.
 *
 * Work goes out in chunks by guided self-scheduling (Polychronopoulos &
 * Kuck, "Guided self-scheduling", IEEE Trans. Computers 36(12), 1987): a
 * chunk is the remaining runs over twice the number of workers, at most
 * CHUNK_MAX, at least 1, so long and short runs balance while the writer
 * answers few requests. Each finished run goes back as one message (its
 * frame, then its packed run) sent without waiting (MPI_Isend from a ring
 * of buffers), so a worker never idles while rank 0 is busy writing.
 *
 * Rounds: a search hands out runs round by round. A worker told "nothing
 * more" (an empty chunk) waits for rank 0, which starts it again with the
 * next round's first chunk, or stops it (a chunk holding -1).
 *
 * Failures: a rank that dies takes the MPI job down (mpirun ends the other
 * ranks with SIGTERM): rank 0 then writes what it has received and stops;
 * the runs of the dead rank's chunk are run again by the same command.
 */
#include "farm.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec.h"

enum { TAG_READY = 1, TAG_WORK = 2, TAG_RESULT = 3 };

#define CHUNK_MAX 64     /* runs handed out at once, at most */
#define NSEND 8          /* a worker's results in flight before it waits */
#define IDLE_NS 1000000L /* rank 0 sleeps this long when no message is waiting */

/* ---- rank 0 ---------------------------------------------------------------- */

/* Receive one result message (frame then packed run) from src. */
static int receive_result(farm_writer_t *wr, int src, int bytes, unsigned char **tmp, size_t *cap)
{
    farm_frame_t fr;
    if ((size_t)bytes > *cap) {
        unsigned char *t = realloc(*tmp, (size_t)bytes);
        if (!t)
            return -1;
        *tmp = t;
        *cap = (size_t)bytes;
    }
    MPI_Recv(*tmp, bytes, MPI_BYTE, src, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (!wr)
        return 0;
    if ((size_t)bytes < sizeof fr)
        return -1;
    memcpy(&fr, *tmp, sizeof fr);
    if (fr.len != (uint64_t)bytes - sizeof fr)
        return -1;
    if (fr.len > 0) {
        unsigned char *at = farm_reserve(wr, fr.len);
        if (!at)
            return -1;
        memcpy(at, *tmp + sizeof fr, fr.len);
    }
    farm_received(wr, &fr);
    return 0;
}

/* Rank 0's view of the workers across rounds: before the first round each
 * worker asks (TAG_READY); after a round each waits, idle, for rank 0. */
static int rounds_done;

/* The next chunk for worker `to` (empty when the round has none left). */
static int hand_out(int to, const int *handout, int ntodo, int *next, int nworkers)
{
    int left = handout ? ntodo - *next : 0, chunk = (left + 2 * nworkers - 1) / (2 * nworkers);
    if (chunk > CHUNK_MAX)
        chunk = CHUNK_MAX;
    if (chunk < 1 && left > 0)
        chunk = 1;
    MPI_Send(chunk ? handout + *next : NULL, chunk, MPI_INT, to, TAG_WORK, MPI_COMM_WORLD);
    *next += chunk;
    return chunk;
}

int farm_mpi_round(const int *todo, int ntodo, farm_writer_t *wr)
{
    int size, nworkers, idle = 0, next = 0, rc = 0;
    const int *handout = todo; /* NULL once nothing more is handed out */
    unsigned char *tmp = NULL;
    size_t cap = 0;
    const struct timespec pause = {0, IDLE_NS};
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    nworkers = size - 1;
    if (rounds_done++ > 0) /* the workers wait, idle, since the last round: start them */
        for (int w = 1; w < size; w++)
            idle += hand_out(w, handout, ntodo, &next, nworkers) == 0;
    while (idle < nworkers) {
        if (farm_interrupted) {
            rc = 130;
            break; /* the launcher is ending the job: keep what arrived */
        }
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (!flag) {
            farm_progress(wr, ntodo, 0);
            if (farm_commit(wr, 0) < 0) {
                rc = EXEC_RUN_FAILED;
                handout = NULL; /* stop handing out: the database refuses runs */
            }
            nanosleep(&pause, NULL);
            continue;
        }
        if (st.MPI_TAG == TAG_RESULT) {
            int bytes;
            MPI_Get_count(&st, MPI_BYTE, &bytes);
            if (receive_result(rc ? NULL : wr, st.MPI_SOURCE, bytes, &tmp, &cap) < 0) {
                snprintf(wr->err, sizeof wr->err, "a malformed result from MPI rank %d", st.MPI_SOURCE);
                rc = EXEC_RUN_FAILED;
                handout = NULL;
            }
            continue;
        }
        /* TAG_READY: the next chunk; an empty one leaves the worker idle */
        MPI_Recv(NULL, 0, MPI_BYTE, st.MPI_SOURCE, TAG_READY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        idle += hand_out(st.MPI_SOURCE, handout, ntodo, &next, nworkers) == 0;
    }
    free(tmp);
    if (farm_commit(wr, 1) < 0)
        rc = EXEC_RUN_FAILED;
    farm_progress(wr, ntodo, 1);
    if (rc == 0 && wr->done < ntodo) {
        farm_report_missing(wr, todo, ntodo, "the MPI ranks ended");
        rc = EXEC_RUN_FAILED;
    } else if (rc == 130) {
        farm_report_missing(wr, todo, ntodo, NULL);
    }
    return rc;
}

void farm_mpi_stop(void)
{
    int size, stop = -1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int w = 1; w < size; w++) {
        if (rounds_done == 0) /* never served: each is still asking */
            MPI_Recv(NULL, 0, MPI_BYTE, w, TAG_READY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(&stop, 1, MPI_INT, w, TAG_WORK, MPI_COMM_WORLD);
    }
    rounds_done = 1;
}

/* ---- ranks 1..N-1 ---------------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t cap;
    MPI_Request req;
} slot_t;

int farm_mpi_worker(const sweep_plan_t *plan, const char *db)
{
    farm_worker_t w;
    slot_t slots[NSEND];
    int runs[CHUNK_MAX], turn = 0, rc = 0;
    memset(slots, 0, sizeof slots);
    for (int k = 0; k < NSEND; k++)
        slots[k].req = MPI_REQUEST_NULL;
    /* Ctrl-C or the launcher ending the job: this rank just ends (rank 0
     * keeps the finished runs). */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    farm_worker_init(&w, plan, db);
    int ask = 1;
    for (;;) {
        MPI_Status st;
        int n;
        if (ask)
            MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_READY, MPI_COMM_WORLD);
        MPI_Recv(runs, CHUNK_MAX, MPI_INT, 0, TAG_WORK, MPI_COMM_WORLD, &st);
        MPI_Get_count(&st, MPI_INT, &n);
        if (n == 1 && runs[0] < 0)
            break;           /* stop */
        ask = n > 0;         /* an empty chunk: the round is over, wait for the next */
        if (n == 0)
            continue;
        for (int k = 0; k < n; k++) {
            farm_frame_t fr;
            const unsigned char *bytes = farm_simulate(&w, runs[k], &fr);
            slot_t *s = &slots[turn];
            turn = (turn + 1) % NSEND;
            MPI_Wait(&s->req, MPI_STATUS_IGNORE); /* the slot's previous result is out */
            if (fr.len > (uint64_t)INT_MAX - sizeof fr) { /* beyond one MPI message: not recorded, said */
                fr.status = EXEC_BAD_INPUT;
                snprintf(fr.msg, sizeof fr.msg, "the run's results (%llu bytes) exceed one MPI message: run it "
                                                "in a local sweep", (unsigned long long)fr.len);
                fr.len = 0;
                bytes = NULL;
            }
            size_t need = sizeof fr + fr.len;
            if (need > s->cap) {
                unsigned char *p = realloc(s->p, need);
                if (!p) {
                    fprintf(stderr, "retrysim sweep: MPI rank: out of memory for a result\n");
                    MPI_Abort(MPI_COMM_WORLD, EXEC_RUN_FAILED);
                }
                s->p = p;
                s->cap = need;
            }
            memcpy(s->p, &fr, sizeof fr);
            if (bytes)
                memcpy(s->p + sizeof fr, bytes, fr.len);
            MPI_Isend(s->p, (int)need, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD, &s->req);
        }
    }
    for (int k = 0; k < NSEND; k++) {
        MPI_Wait(&slots[k].req, MPI_STATUS_IGNORE);
        free(slots[k].p);
    }
    farm_worker_free(&w);
    return rc;
}
