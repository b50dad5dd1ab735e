/*
 * wake: an OS thread's wake-up latency on this machine, next to n busy
 * threads: the figure the GMP model's [gmp] host_cpus / busy_wakeup need
 * and that neither the Go source nor the kernel's documentation gives.
 *
 * Two measurements, each for n = 0 .. 2 x cores busy threads (spinning,
 * never sleeping):
 *   sleep  a thread's clock_nanosleep(1 ms) lateness: the kernel's timer
 *          slack (50 us by default) plus the time the woken thread waits
 *          for a CPU; what Go's poller thread sees returning from epoll;
 *   futex  a waker thread stamps the time and wakes a thread blocked in
 *          futex(FUTEX_WAIT), every 1 ms; latency = the woken thread's
 *          first instruction - the stamp; what wakep / netpollBreak cost
 *          (Go's notewakeup is a futex wake).
 * Output: CSV "kind,busy,samples,p50_ns,p90_ns,p99_ns,max_ns".
 *
 * Build: cc -O2 -pthread -o build/go-wake tools/go-timer/wake/wake.c
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES 2000

static atomic_int stop_busy;
static atomic_int fword;
static atomic_llong stamp;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *busy(void *arg)
{
    (void)arg;
    volatile uint64_t x = 88172645463325252u;
    while (!atomic_load_explicit(&stop_busy, memory_order_relaxed))
        for (int i = 0; i < 1000; i++)
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void report(const char *kind, int n, int64_t *v, int cnt)
{
    qsort(v, (size_t)cnt, sizeof *v, cmp);
    printf("%s,%d,%d,%lld,%lld,%lld,%lld\n", kind, n, cnt, (long long)v[cnt / 2], (long long)v[cnt * 9 / 10],
           (long long)v[cnt * 99 / 100], (long long)v[cnt - 1]);
    fflush(stdout);
}

static int64_t fut[SAMPLES];
static int nfut;

static void *futex_waiter(void *arg)
{
    (void)arg;
    while (nfut < SAMPLES) {
        while (atomic_load(&fword) == 0)
            syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
        int64_t t = now_ns();
        fut[nfut++] = t - atomic_load(&stamp);
        atomic_store(&fword, 0);
    }
    return NULL;
}

int main(void)
{
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    printf("kind,busy,samples,p50_ns,p90_ns,p99_ns,max_ns\n");
    static int64_t v[SAMPLES];
    for (int n = 0; n <= 2 * cores; n++) {
        pthread_t th[64];
        atomic_store(&stop_busy, 0);
        for (int i = 0; i < n && i < 64; i++)
            pthread_create(&th[i], NULL, busy, NULL);
        usleep(100000);
        struct timespec ms = {0, 1000000};
        for (int i = 0; i < SAMPLES; i++) {
            int64_t t0 = now_ns();
            clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
            v[i] = now_ns() - t0 - 1000000;
        }
        report("sleep", n, v, SAMPLES);
        pthread_t w;
        nfut = 0;
        atomic_store(&fword, 0);
        pthread_create(&w, NULL, futex_waiter, NULL);
        for (int i = 0; i < SAMPLES; i++) {
            clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
            while (atomic_load(&fword) != 0 && nfut < SAMPLES) /* the last wake not yet seen */
                clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, NULL);
            atomic_store(&stamp, now_ns());
            atomic_store(&fword, 1);
            syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        }
        pthread_join(w, NULL);
        report("futex", n, fut, nfut);
        atomic_store(&stop_busy, 1);
        for (int i = 0; i < n && i < 64; i++)
            pthread_join(th[i], NULL);
    }
    return 0;
}
