/* plume_mpi.h: the in-situ session's C entry point taking an MPI_Comm.
 *
 * Hand-written (not generated): plume.h stays free of <mpi.h>, and the library never
 * depends on a particular MPI's MPI_Comm representation: this header-inline shim turns
 * the communicator into its Fortran handle (MPI_Comm_c2f, part of every MPI) and calls
 * plume_session_new_f, which converts it back (MPI_Comm_f2c) and duplicates it.
 *
 *   #include <plume_mpi.h>
 *   plume_session *s;
 *   if (plume_session_new(MPI_COMM_WORLD, "solver.nml", &s) != PLUME_OK)
 *       fprintf(stderr, "%s\n", plume_session_new_error());
 *
 * Collective over comm; see plume_session_new_f in plume.h for the contract.
 */
#ifndef PLUME_MPI_H
#define PLUME_MPI_H

#include <mpi.h>
#include "plume.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline plume_status plume_session_new(MPI_Comm comm, const char *deck, plume_session **out) {
  return plume_session_new_f((int)MPI_Comm_c2f(comm), deck, out);
}

#ifdef __cplusplus
}
#endif

#endif /* PLUME_MPI_H */
