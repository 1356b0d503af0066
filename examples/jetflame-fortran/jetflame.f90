! jetflame: a small 3-D lifted reacting-jet solver in Fortran 2008 + MPI that writes its
! output through Plume's in-situ session. SPDX-License-Identifier: BSD-3-Clause
!
! Physics (deliberately simple, but a real time-stepping solver):
!   - a planar H2/N2 jet along x (|y - Ly/2| < h) into an air coflow, with a prescribed
!     turbulent-like velocity: mean jet profile plus travelling sinusoidal eddies in v, w;
!   - transport of the mixture fraction Z and a reaction progress variable c by that
!     velocity (first-order upwind advection, central diffusion, explicit Euler);
!   - a one-step source for c, active near stoichiometric Z downstream of the lift-off
!     height x_lift: dc/dt = A c (1 - c) exp(-((Z - Z_st)/s_z)^2), with a weak pilot;
!   - species from (Z, c): Y = (1 - c) Y_mixing(Z) + c Y_Burke-Schumann(Z).
! Domain decomposition: slabs along z (the last, slowest index), uneven when nz is not a
! multiple of the rank count; one ghost layer exchanged with MPI_Sendrecv every step.
!
! Input: a namelist file (argument 1, default jetflame.nml) with &solver (sizes, steps,
! output interval) and &plume (Plume's options, read by Plume itself on rank 0).
program jetflame
  use mpi
  use plume
  use, intrinsic :: iso_fortran_env, only: real64, output_unit, error_unit
  implicit none

  integer :: nx = 64, ny = 32, nz = 24, nsteps = 120, output_every = 40
  real(real64) :: lx = 12.0d0, ly = 6.0d0, lz = 4.0d0, h = 0.6d0, u_jet = 4.0d0, u_co = 0.5d0
  real(real64) :: diff = 2.0d-2, a_rate = 40.0d0, x_lift = 3.0d0, eddy = 0.6d0
  namelist /solver/ nx, ny, nz, nsteps, output_every, lx, ly, lz, h, u_jet, u_co, diff, a_rate, &
    x_lift, eddy

  real(real64), parameter :: y_fuel = 0.11789d0, y_o2_ox = 0.233d0, z_st = 0.199d0, s_z = 0.12d0
  real(real64), parameter :: pi = 3.141592653589793d0

  integer :: ierr, rank, nranks, k0, k1, nzl, step, nstep_out, i, j, k, u
  integer :: up, down
  real(real64) :: dx, dy, dz, dt, t, t_solver, t0, yh2o_st
  real(real64), allocatable :: zf(:, :, :), cf(:, :, :), zn(:, :, :), cn(:, :, :)
  real(real64), allocatable :: yh2(:, :, :), yo2(:, :, :), yh2o(:, :, :)
  character(len=256) :: deck
  type(plume_session) :: session

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nranks, ierr)
  deck = 'jetflame.nml'
  if (command_argument_count() >= 1) call get_command_argument(1, deck)
  open (newunit=u, file=trim(deck), status='old', action='read', iostat=ierr)
  if (ierr == 0) then
    read (u, nml=solver, iostat=ierr)
    close (u)
  end if
  if (ierr /= 0) then
    if (rank == 0) write (error_unit, '(a)') 'jetflame: cannot read &solver from '//trim(deck)
    call MPI_Abort(MPI_COMM_WORLD, 2, ierr)
  end if

  ! Uneven slabs along z: rank r owns k0..k1 (1-based), possibly none.
  k0 = nz * rank / nranks + 1
  k1 = nz * (rank + 1) / nranks
  nzl = k1 - k0 + 1
  up = rank + 1
  down = rank - 1
  if (up >= nranks) up = MPI_PROC_NULL
  if (down < 0) down = MPI_PROC_NULL
  dx = lx / nx
  dy = ly / ny
  dz = lz / nz
  dt = 0.4d0 / (u_jet / dx + 2 * eddy / dy + 2 * eddy / dz + 2 * diff * (1 / dx**2 + 1 / dy**2 + 1 / dz**2))
  yh2o_st = 2 * 18.015d0 / (2 * 2.016d0) * y_fuel * z_st   ! H2 burnt at Z_st -> H2O

  allocate (zf(0:nx + 1, 0:ny + 1, 0:nzl + 1), cf(0:nx + 1, 0:ny + 1, 0:nzl + 1))
  allocate (zn, mold=zf)
  allocate (cn, mold=cf)
  allocate (yh2, yo2, yh2o, mold=zf)
  ! Initial state: the jet already in the domain (mixing layer of width 2 dy), no flame.
  do k = 0, nzl + 1
    do j = 0, ny + 1
      do i = 0, nx + 1
        zf(i, j, k) = inflow_z((j - 0.5d0) * dy) * exp(-((i - 0.5d0) * dx / (0.6d0 * lx))**2)
        cf(i, j, k) = 0
      end do
    end do
  end do

  call plume_session_new(MPI_COMM_WORLD, trim(deck), session, ierr)
  if (ierr /= PLUME_OK) then
    write (error_unit, '(a,i0,a)') 'jetflame: rank ', rank, ': plume: '//plume_session_last_error(session)
    call MPI_Abort(MPI_COMM_WORLD, 3, ierr)
  end if
  ! The grid's cell centres: the labeler's gradients (and the flame index, dx /= dy /= dz)
  ! then use the real spacing, and every snapshot records them beside its labels.
  call plume_session_set_coords(session, 1, [((i - 0.5d0) * dx, i = 1, nx)], ierr)
  call check('set_coords x')
  call plume_session_set_coords(session, 2, [((j - 0.5d0) * dy, j = 1, ny)], ierr)
  call check('set_coords y')
  call plume_session_set_coords(session, 3, [((k - 0.5d0) * dz, k = 1, nz)], ierr)
  call check('set_coords z')

  t = 0
  t_solver = 0
  nstep_out = 0
  do step = 1, nsteps
    t0 = MPI_Wtime()
    call exchange(zf)
    call exchange(cf)
    call boundaries(zf, cf)
    do k = 1, nzl
      do j = 1, ny
        do i = 1, nx
          zn(i, j, k) = zf(i, j, k) + dt * rhs(zf, i, j, k, .false.)
          cn(i, j, k) = min(1.0d0, max(0.0d0, cf(i, j, k) + dt * rhs(cf, i, j, k, .true.)))
        end do
      end do
    end do
    zf(1:nx, 1:ny, 1:nzl) = zn(1:nx, 1:ny, 1:nzl)
    cf(1:nx, 1:ny, 1:nzl) = cn(1:nx, 1:ny, 1:nzl)
    t = t + dt
    t_solver = t_solver + (MPI_Wtime() - t0)

    if (mod(step, output_every) == 0) then
      call exchange(zf)
      call exchange(cf)
      call boundaries(zf, cf)
      call species()
      call plume_session_begin_step(session, step, t, ierr)
      call check('begin_step')
      ! Blocks with one ghost layer; global index of the first interior cell: (1, 1, k0).
      call plume_session_put(session, 'Z', zf, [1, 1, k0], [nx, ny, nz], 1, ierr)
      call check('put Z')
      call plume_session_put(session, 'C', cf, [1, 1, k0], [nx, ny, nz], 1, ierr)
      call check('put C')
      call plume_session_put(session, 'Y_H2', yh2, [1, 1, k0], [nx, ny, nz], 1, ierr)
      call check('put Y_H2')
      call plume_session_put(session, 'Y_O2', yo2, [1, 1, k0], [nx, ny, nz], 1, ierr)
      call check('put Y_O2')
      call plume_session_put(session, 'Y_H2O', yh2o, [1, 1, k0], [nx, ny, nz], 1, ierr)
      call check('put Y_H2O')
      call plume_session_end_step(session, ierr)
      call check('end_step')
      nstep_out = nstep_out + 1
    end if
  end do

  call plume_session_free(session, ierr)
  call check('free')
  if (rank == 0) then
    write (output_unit, '(a,i0,a,i0,a,i0,a,es10.3,a,i0)') 'jetflame: ', nranks, ' ranks, grid ', nx, 'x', ny, &
      ', dt ', dt, ', snapshots ', nstep_out
    write (output_unit, '(a,f10.6)') 'jetflame: solver seconds per step (rank 0) ', t_solver / nsteps
  end if
  call MPI_Finalize(ierr)

contains

  !> Mixture fraction of the inflow at height y: a top-hat jet with tanh edges (width 0.1).
  pure function inflow_z(y) result(z)
    real(real64), intent(in) :: y
    real(real64) :: z
    z = 0.5d0 * (1 - tanh((abs(y - 0.5d0 * ly) - h) / 0.1d0))
  end function inflow_z

  !> Velocity at a cell: the jet profile plus travelling eddies.
  pure subroutine velocity(i, j, k, uu, vv, ww)
    integer, intent(in) :: i, j, k
    real(real64), intent(out) :: uu, vv, ww
    real(real64) :: x, y, z
    x = (i - 0.5d0) * dx
    y = (j - 0.5d0) * dy
    z = (k + k0 - 1 - 0.5d0) * dz
    uu = u_co + (u_jet - u_co) * inflow_z(y) * exp(-x / (2 * lx))
    vv = eddy * sin(2 * pi * (x - 0.5d0 * u_jet * t) / (0.25d0 * lx)) * cos(2 * pi * z / lz)
    ww = eddy * cos(2 * pi * (x - 0.5d0 * u_jet * t) / (0.3d0 * lx)) * sin(2 * pi * y / ly)
  end subroutine velocity

  !> Right-hand side: upwind advection, central diffusion, and (for c) the source.
  function rhs(f, i, j, k, source) result(r)
    real(real64), intent(in) :: f(0:, 0:, 0:)
    integer, intent(in) :: i, j, k
    logical, intent(in) :: source
    real(real64) :: r, uu, vv, ww, zz, x
    call velocity(i, j, k, uu, vv, ww)
    r = -uu * merge(f(i, j, k) - f(i - 1, j, k), f(i + 1, j, k) - f(i, j, k), uu > 0) / dx &
        - vv * merge(f(i, j, k) - f(i, j - 1, k), f(i, j + 1, k) - f(i, j, k), vv > 0) / dy &
        - ww * merge(f(i, j, k) - f(i, j, k - 1), f(i, j, k + 1) - f(i, j, k), ww > 0) / dz &
        + diff * ((f(i + 1, j, k) - 2 * f(i, j, k) + f(i - 1, j, k)) / dx**2 &
                  + (f(i, j + 1, k) - 2 * f(i, j, k) + f(i, j - 1, k)) / dy**2 &
                  + (f(i, j, k + 1) - 2 * f(i, j, k) + f(i, j, k - 1)) / dz**2)
    if (source) then
      x = (i - 0.5d0) * dx
      zz = zf(i, j, k)
      if (x > x_lift) then
        r = r + a_rate * (f(i, j, k) * (1 - f(i, j, k)) + 0.02d0) * exp(-((zz - z_st) / s_z)**2) &
                * (1 - f(i, j, k))
      end if
    end if
  end function rhs

  !> Ghost layers along z from the neighbours (none at the domain ends).
  subroutine exchange(f)
    real(real64), intent(inout) :: f(0:, 0:, 0:)
    integer :: n, e
    n = (nx + 2) * (ny + 2)
    call MPI_Sendrecv(f(:, :, nzl), n, MPI_DOUBLE_PRECISION, up, 1, f(:, :, 0), n, MPI_DOUBLE_PRECISION, &
                      down, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE, e)
    call MPI_Sendrecv(f(:, :, 1), n, MPI_DOUBLE_PRECISION, down, 2, f(:, :, nzl + 1), n, MPI_DOUBLE_PRECISION, &
                      up, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE, e)
  end subroutine exchange

  !> Inflow (x = 0) Dirichlet, outflow and lateral zero gradient; z ends zero gradient.
  subroutine boundaries(zz, cc)
    real(real64), intent(inout) :: zz(0:, 0:, 0:), cc(0:, 0:, 0:)
    integer :: jj
    do jj = 0, ny + 1
      zz(0, jj, :) = inflow_z((jj - 0.5d0) * dy)
    end do
    cc(0, :, :) = 0
    zz(nx + 1, :, :) = zz(nx, :, :)
    cc(nx + 1, :, :) = cc(nx, :, :)
    zz(:, 0, :) = zz(:, 1, :)
    cc(:, 0, :) = cc(:, 1, :)
    zz(:, ny + 1, :) = zz(:, ny, :)
    cc(:, ny + 1, :) = cc(:, ny, :)
    if (down == MPI_PROC_NULL) then
      zz(:, :, 0) = zz(:, :, 1)
      cc(:, :, 0) = cc(:, :, 1)
    end if
    if (up == MPI_PROC_NULL) then
      zz(:, :, nzl + 1) = zz(:, :, nzl)
      cc(:, :, nzl + 1) = cc(:, :, nzl)
    end if
  end subroutine boundaries

  !> Species from (Z, c) on every cell, ghosts included.
  subroutine species()
    real(real64) :: zz, c, h2u, o2u, h2b, o2b, h2ob
    integer :: ii, jj, kk
    do kk = 0, nzl + 1
      do jj = 0, ny + 1
        do ii = 0, nx + 1
          zz = min(1.0d0, max(0.0d0, zf(ii, jj, kk)))
          c = cf(ii, jj, kk)
          h2u = y_fuel * zz
          o2u = y_o2_ox * (1 - zz)
          if (zz <= z_st) then
            h2b = 0
            o2b = y_o2_ox * (1 - zz / z_st)
            h2ob = yh2o_st * zz / z_st
          else
            h2b = y_fuel * (zz - z_st) / (1 - z_st)
            o2b = 0
            h2ob = yh2o_st * (1 - zz) / (1 - z_st)
          end if
          yh2(ii, jj, kk) = (1 - c) * h2u + c * h2b
          yo2(ii, jj, kk) = (1 - c) * o2u + c * o2b
          yh2o(ii, jj, kk) = c * h2ob
        end do
      end do
    end do
  end subroutine species

  subroutine check(what)
    character(len=*), intent(in) :: what
    integer :: e
    if (ierr /= PLUME_OK) then
      write (error_unit, '(a,i0,a)') 'jetflame: rank ', rank, ': plume '//what//': '// &
        plume_status_str(ierr)//': '//plume_session_last_error(session)
      call MPI_Abort(MPI_COMM_WORLD, 4, e)
    end if
  end subroutine check
end program jetflame
