// advect: a C++17 + MPI mini solver (3-D advection-diffusion of two scalars in a periodic
// box, slab decomposition along the slowest axis, one ghost layer) that writes its output
// through Plume's in-situ session (plume::Session, plume.hpp) configured by a key = value
// deck. SPDX-License-Identifier: BSD-3-Clause
//
//   mpirun -n 3 ./plume_example_cpp_mpi advect.cfg [N] [STEPS] [OUTPUT_EVERY]
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "plume.hpp"

namespace {

struct Grid {
  std::size_t n, nl, k0;  // global size per axis, local slab thickness, first global plane
  std::size_t idx(std::size_t i, std::size_t j, std::size_t k) const {  // i: slab axis, with ghosts
    return (i * (n + 2) + j) * (n + 2) + k;
  }
};

void exchange(std::vector<double> &f, const Grid &g, int up, int down, MPI_Comm comm) {
  const int plane = static_cast<int>((g.n + 2) * (g.n + 2));
  MPI_Sendrecv(&f[g.idx(g.nl, 0, 0)], plane, MPI_DOUBLE, up, 1, &f[g.idx(0, 0, 0)], plane, MPI_DOUBLE, down, 1, comm,
               MPI_STATUS_IGNORE);
  MPI_Sendrecv(&f[g.idx(1, 0, 0)], plane, MPI_DOUBLE, down, 2, &f[g.idx(g.nl + 1, 0, 0)], plane, MPI_DOUBLE, up, 2,
               comm, MPI_STATUS_IGNORE);
  // Periodic in j and k.
  for (std::size_t i = 0; i < g.nl + 2; ++i)
    for (std::size_t j = 0; j < g.n + 2; ++j) {
      f[g.idx(i, j, 0)] = f[g.idx(i, j, g.n)];
      f[g.idx(i, j, g.n + 1)] = f[g.idx(i, j, 1)];
    }
  for (std::size_t i = 0; i < g.nl + 2; ++i)
    for (std::size_t k = 0; k < g.n + 2; ++k) {
      f[g.idx(i, 0, k)] = f[g.idx(i, g.n, k)];
      f[g.idx(i, g.n + 1, k)] = f[g.idx(i, 1, k)];
    }
}

}  // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *deck = argc > 1 ? argv[1] : "advect.cfg";
  const std::size_t n = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 48;
  const int steps = argc > 3 ? std::atoi(argv[3]) : 60;
  const int every = argc > 4 ? std::atoi(argv[4]) : 20;
  Grid g{n, n * (rank + 1) / size - n * rank / size, n * rank / size};
  // Periodic along the slab axis too: neighbours wrap around.
  const int up = (rank + 1) % size, down = (rank + size - 1) % size;
  const double pi = 3.141592653589793, dx = 1.0 / n, dt = 0.2 * dx, kappa = 1e-3;

  std::vector<double> a((g.nl + 2) * (n + 2) * (n + 2)), b(a.size()), na(a.size()), nb(a.size());
  for (std::size_t i = 1; i <= g.nl; ++i)
    for (std::size_t j = 1; j <= n; ++j)
      for (std::size_t k = 1; k <= n; ++k) {
        double x = (g.k0 + i - 0.5) * dx, y = (j - 0.5) * dx, z = (k - 0.5) * dx;
        a[g.idx(i, j, k)] = std::exp(-40 * ((x - 0.5) * (x - 0.5) + (y - 0.5) * (y - 0.5))) * (1 + 0.3 * std::sin(2 * pi * z));
        b[g.idx(i, j, k)] = std::sin(2 * pi * x) * std::cos(2 * pi * y) * std::sin(4 * pi * z);
      }

  plume::Session session;
  plume::Status st = plume::Session::try_open(MPI_COMM_WORLD, deck, session);
  if (!st) {
    std::fprintf(stderr, "advect: rank %d: plume: %s\n", rank, st.message.c_str());
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  const std::vector<std::size_t> local{g.nl, n, n}, offset{g.k0, 0, 0}, global{n, n, n};
  int snapshots = 0;
  double solver_s = 0;
  for (int step = 1; step <= steps; ++step) {
    double t0 = MPI_Wtime();
    exchange(a, g, up, down, MPI_COMM_WORLD);
    exchange(b, g, up, down, MPI_COMM_WORLD);
    for (std::size_t i = 1; i <= g.nl; ++i)
      for (std::size_t j = 1; j <= n; ++j)
        for (std::size_t k = 1; k <= n; ++k) {
          double y = (j - 0.5) * dx;
          double u = 1.0, v = 0.5 * std::sin(2 * pi * (g.k0 + i - 0.5) * dx), w = 0.3 * std::cos(2 * pi * y);
          auto rhs = [&](const std::vector<double> &f) {
            std::size_t c = g.idx(i, j, k);
            double adv = u * (f[c] - f[g.idx(i - 1, j, k)]) / dx +
                         v * (v > 0 ? f[c] - f[g.idx(i, j - 1, k)] : f[g.idx(i, j + 1, k)] - f[c]) / dx +
                         w * (w > 0 ? f[c] - f[g.idx(i, j, k - 1)] : f[g.idx(i, j, k + 1)] - f[c]) / dx;
            double lap = (f[g.idx(i + 1, j, k)] + f[g.idx(i - 1, j, k)] + f[g.idx(i, j + 1, k)] +
                          f[g.idx(i, j - 1, k)] + f[g.idx(i, j, k + 1)] + f[g.idx(i, j, k - 1)] - 6 * f[c]) /
                         (dx * dx);
            return -adv + kappa * lap;
          };
          na[g.idx(i, j, k)] = a[g.idx(i, j, k)] + dt * rhs(a);
          nb[g.idx(i, j, k)] = b[g.idx(i, j, k)] + dt * rhs(b);
        }
    a.swap(na);
    b.swap(nb);
    solver_s += MPI_Wtime() - t0;
    if (step % every == 0) {
      exchange(a, g, up, down, MPI_COMM_WORLD);
      exchange(b, g, up, down, MPI_COMM_WORLD);
      // The arrays carry ghosts on every side (one layer): Plume gets them as they are.
      plume::Status s1 = session.try_begin_step(step, step * dt);
      if (s1) s1 = session.try_put("scalar_a", a.data(), local, offset, global, 1);
      if (s1) s1 = session.try_put("scalar_b", b.data(), local, offset, global, 1);
      if (s1) s1 = session.try_end_step();
      if (!s1) {
        std::fprintf(stderr, "advect: rank %d: plume: %s\n", rank, s1.message.c_str());
        MPI_Abort(MPI_COMM_WORLD, 3);
      }
      ++snapshots;
    }
  }
  st = session.try_close();
  if (rank == 0)
    std::printf("advect: %d ranks, %zu^3 cells, %d snapshots, solver %.6f s/step (rank 0)\n", size, n, snapshots,
                solver_s / steps);
  MPI_Finalize();
  return st ? 0 : 1;
}
