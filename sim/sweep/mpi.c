/* The MPI sweep driver (built with -DCONFLUX_MPI=ON): rank 0 deals member indices, one at a
 * time, to whichever rank asks (dynamic balance), and runs members itself, answering
 * requests between the days of its own runs; with dealer_only (--dealer) it runs none and
 * answers at once. Every rank writes its members' files itself, so the directory is the same
 * as after a local sweep. */
#include "sweep/sweep.h"

#include <stdlib.h>
#include <string.h>

int cfx_sweep_mpi_launched(void)
{
    /* Open MPI's mpirun, MPICH/Hydra and Slurm's srun with PMI or PMIx */
    static const char *const size_vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", NULL};
    for (size_t i = 0; size_vars[i]; i++) {
        const char *v = getenv(size_vars[i]);
        if (v && atoi(v) > 1)
            return 1;
    }
    /* srun --mpi=pmix gives each task its rank and the step its task count, not a size */
    const char *tasks = getenv("SLURM_STEP_NUM_TASKS");
    if (tasks && atoi(tasks) > 1)
        return getenv("PMIX_RANK") || getenv("PMI_RANK") ? 1 : -1;
    return 0;
}

#ifndef CONFLUX_MPI

int cfx_sweep_mpi_init(int *rank, int *size, cfx_error *err)
{
    *rank = 0;
    *size = 1;
    return cfx_error_set(err, CFX_EUSAGE, NULL, 0, 0,
                         "started by mpirun with several ranks, but this conflux was built "
                         "without MPI: every rank would run the whole sweep. Rebuild with "
                         "cmake -DCONFLUX_MPI=ON, or run one process (--jobs N uses the cores)");
}

int cfx_sweep_mpi_agree(int rc)
{
    return rc;
}

int cfx_sweep_run_mpi(const cfx_sweep *sw, const cfx_sweep_opts *o, const size_t *todo,
                      size_t n_todo, cfx_sweep_tally *t, cfx_error *err)
{
    return cfx_error_set(err, CFX_EUSAGE, NULL, 0, 0, "this conflux was built without MPI");
}

void cfx_sweep_mpi_finalize(void) {}

#else

#include <mpi.h>
#include <time.h>

enum { TAG_ASK = 1, TAG_GIVE = 2 };
#define NO_MORE (-1L)

int cfx_sweep_mpi_init(int *rank, int *size, cfx_error *err)
{
    int started = 0;
    MPI_Initialized(&started);
    if (!started && MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return cfx_error_set(err, CFX_EFAIL, NULL, 0, 0, "MPI_Init failed");
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return 0;
}

int cfx_sweep_mpi_agree(int rc)
{
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return rc;
}

void cfx_sweep_mpi_finalize(void)
{
    int started = 0, ended = 0;
    MPI_Initialized(&started);
    MPI_Finalized(&ended);
    if (started && !ended)
        MPI_Finalize();
}

/* Rank 0's dealer. A worker's message is the status of the member it finished (or -1 for
 * its first request); the answer is the next member index, or NO_MORE. */
typedef struct dealer {
    const cfx_sweep_opts *o;
    const size_t *todo;
    size_t n_todo, next;
    int retired, workers; /* ranks told NO_MORE, of workers */
    cfx_sweep_tally *t;
    double t0;
} dealer;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void count(dealer *d, long status)
{
    if (status == CFX_MEMBER_OK)
        d->t->ok++;
    else if (status == CFX_MEMBER_FAILED)
        d->t->failed++;
    else if (status == CFX_MEMBER_STOPPED)
        d->t->stopped++;
    cfx_sweep_progress(d->o, d->t, now_s() - d->t0, 0);
}

static long take(dealer *d)
{
    if (d->next < d->n_todo && !(d->o->stop && *d->o->stop))
        return (long)d->todo[d->next++];
    return NO_MORE;
}

static void answer(dealer *d, int src, long status)
{
    count(d, status);
    long m = take(d);
    MPI_Send(&m, 1, MPI_LONG, src, TAG_GIVE, MPI_COMM_WORLD);
    if (m == NO_MORE)
        d->retired++;
}

/* Serves every request waiting (called between the days of rank 0's own members). */
static void serve(void *vd)
{
    dealer *d = vd;
    int flag = 1;
    while (flag) {
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &flag, &st);
        if (flag) {
            long status;
            MPI_Recv(&status, 1, MPI_LONG, st.MPI_SOURCE, TAG_ASK, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            answer(d, st.MPI_SOURCE, status);
        }
    }
}

int cfx_sweep_run_mpi(const cfx_sweep *sw, const cfx_sweep_opts *o, const size_t *todo,
                      size_t n_todo, cfx_sweep_tally *t, cfx_error *err)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank == 0) {
        dealer d = {
            .o = o, .todo = todo, .n_todo = n_todo, .workers = size - 1, .t = t, .t0 = now_s()};
        for (long m; !o->dealer_only && (m = take(&d)) != NO_MORE;) {
            serve(&d);
            count(&d, cfx_sweep_run_member(sw, (size_t)m, o, serve, &d));
            serve(&d);
        }
        while (d.retired < d.workers) {
            long status;
            MPI_Status st;
            MPI_Recv(&status, 1, MPI_LONG, MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &st);
            answer(&d, st.MPI_SOURCE, status);
        }
        cfx_sweep_progress(o, t, now_s() - d.t0, 1);
    } else {
        long status = -1, m;
        for (;;) {
            MPI_Send(&status, 1, MPI_LONG, 0, TAG_ASK, MPI_COMM_WORLD);
            MPI_Recv(&m, 1, MPI_LONG, 0, TAG_GIVE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (m == NO_MORE)
                break;
            status = cfx_sweep_run_member(sw, (size_t)m, o, NULL, NULL);
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    return rank == 0 ? cfx_sweep_interrupted(o, t, n_todo, err) : 0;
}

#endif
