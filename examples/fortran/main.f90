! Plume from Fortran: compress a real 3-D field as the column-major array it is (no copy,
! no transposition), decompress it, check the point-wise relative bound on every value,
! and print the quality metrics; then label the flame regimes of a synthetic 2-D H2 jet
! flame before and after compression.
!
!   plume_example_fortran [FIELD.f32 [NX NY NZ]]     (default: sperr_wmag91.f32, 91 91 91)
!
! The raw file is C order (slowest axis first); read as a Fortran array its dims reverse:
! a C (nz, ny, nx) file is the Fortran array a(nx, ny, nz), which is what Plume is given.
program plume_example_fortran
  use plume
  implicit none
  character(len=4096) :: path, arg
  integer :: n(3), ierr, u, a_i
  real(real32), allocatable :: field(:,:,:), back(:,:,:)
  integer(int8), allocatable :: stream(:)
  type(plume_config) :: cfg
  type(plume_codec) :: codec
  type(plume_metrics) :: m
  real(real64) :: v
  integer(int64) :: outside
  character(len=18), parameter :: shown(6) = [character(len=18) :: 'compression_ratio', &
    'psnr_db', 'ssim', 'max_abs_error', 'max_pw_rel_error', 'pearson']

  path = '../shared/data/sperr_wmag91.f32'
  n = [91, 91, 91]
  if (command_argument_count() >= 1) call get_command_argument(1, path)
  if (command_argument_count() >= 4) then
    do a_i = 1, 3
      call get_command_argument(1 + a_i, arg)
      read (arg, *) n(a_i)
    end do
  end if
  allocate (field(n(1), n(2), n(3)), back(n(1), n(2), n(3)))
  open (newunit=u, file=trim(path), access='stream', form='unformatted', status='old', action='read')
  read (u) field
  close (u)

  ! Options from the API; plume_config_load(cfg, 'solver.nml', ierr) would read a
  ! &plume ... / namelist group from the solver's own input file instead.
  call plume_config_new(cfg, ierr)
  call plume_config_set(cfg, 'mode', 'pw_rel', ierr)
  call plume_config_set(cfg, 'error_bound', '0.01', ierr)
  call check(ierr, plume_config_last_error(cfg))
  call plume_codec_new(cfg, codec, ierr)
  call check(ierr, plume_config_last_error(cfg))

  call plume_compress(codec, field, stream, ierr)
  call check(ierr, plume_codec_last_error(codec))
  call plume_decompress(codec, stream, back, ierr)
  call check(ierr, plume_codec_last_error(codec))
  outside = count(.not. (abs(real(back, real64) - real(field, real64)) <= 0.01d0 * abs(real(field, real64))))

  print '(a, a, a, a)', 'plume ', plume_version(), ': ', trim(path)
  print '(a, i0, a, i0, a, i0, a)', '  Fortran array (', n(1), ', ', n(2), ', ', n(3), '), pw_rel 0.01'
  print '(a, i0, a, i0, a, i0)', '  ', size(field) * 4, ' -> ', size(stream), &
    ' bytes; values outside the bound: ', outside
  call plume_compare(codec, field, back, int(size(stream), int64), m, ierr)
  call check(ierr, plume_codec_last_error(codec))
  do a_i = 1, size(shown)
    call plume_metrics_get(m, shown(a_i), v, ierr)
    call check(ierr, 'metrics')
    print '(2x, a18, 1x, g0.6)', shown(a_i), v
  end do

  call plume_metrics_free(m)
  call label_jet_flame(cfg, codec)
  call plume_codec_free(codec)
  call plume_config_free(cfg)
  deallocate (field, back, stream)
  if (outside /= 0) error stop 1

contains

  ! A planar H2/N2 jet in air, jet(x, y) in Fortran order, species in the Burke-Schumann
  ! limit; labels it, compresses the four fields, labels them again, prints the error.
  subroutine label_jet_flame(cfg, codec)
    type(plume_config), intent(in) :: cfg
    type(plume_codec), intent(in) :: codec
    integer, parameter :: nx = 64, ny = 96
    real(real64), parameter :: y_fuel = 0.11789d0, y_air = 0.233d0
    real(real64) :: z_st, zz, y
    real(real64), allocatable :: f(:,:,:), back(:,:,:)
    integer(int8), allocatable :: labels(:,:), labels_back(:,:), stream(:)
    type(plume_labeler) :: lab
    real(real64) :: frac
    integer :: i, j, k, ierr
    z_st = 1d0 / (1d0 + 8d0 * y_fuel / y_air)
    allocate (f(nx, ny, 4), back(nx, ny, 4), labels(nx, ny), labels_back(nx, ny))
    do j = 1, ny
      do i = 1, nx
        y = (j - ny / 2d0) / 6d0
        zz = 0.5d0 * (1d0 - tanh(3d0 * (abs(y) - 1d0 - i / 64d0)))
        f(i, j, 4) = zz
        f(i, j, 1) = merge(y_fuel * (zz - z_st) / (1d0 - z_st), 0d0, zz > z_st)
        f(i, j, 2) = merge(y_air * (1d0 - zz / z_st), 0d0, zz < z_st)
        f(i, j, 3) = 9d0 * y_fuel * z_st * merge(zz / z_st, (1d0 - zz) / (1d0 - z_st), zz < z_st)
      end do
    end do
    call plume_labeler_new(cfg, lab, ierr)
    call check(ierr, 'labeler')
    call plume_label(lab, f(:,:,1), f(:,:,2), f(:,:,3), labels, ierr, z=f(:,:,4))
    call check(ierr, plume_labeler_last_error(lab))
    do k = 1, 4
      call plume_compress(codec, f(:,:,k), stream, ierr)
      call check(ierr, plume_codec_last_error(codec))
      call plume_decompress(codec, stream, back(:,:,k), ierr)
      call check(ierr, plume_codec_last_error(codec))
    end do
    call plume_label(lab, back(:,:,1), back(:,:,2), back(:,:,3), labels_back, ierr, z=back(:,:,4))
    call check(ierr, plume_labeler_last_error(lab))
    call plume_label_error(lab, labels, labels_back, frac, ierr)
    call check(ierr, plume_labeler_last_error(lab))
    print '(a, i0, a, i0, a, i0, a, f8.5)', '  jet flame ', nx, ' x ', ny, ': ', count(labels <= 1), &
      ' flame cells; label error after compression ', frac
    call plume_labeler_free(lab)
    deallocate (f, back, labels, labels_back, stream)
  end subroutine label_jet_flame

  subroutine check(status, message)
    integer, intent(in) :: status
    character(len=*), intent(in) :: message
    if (status /= PLUME_OK) then
      print '(a, a, a, a)', 'plume error: ', plume_status_str(status), ': ', message
      error stop 1
    end if
  end subroutine check

end program plume_example_fortran
