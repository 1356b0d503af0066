! Plume from Fortran: compress a real 3-D field as the column-major array it is (no copy,
! no transposition), decompress it, check the point-wise relative bound on every value,
! and print the quality metrics.
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
  call plume_codec_free(codec)
  call plume_config_free(cfg)
  deallocate (field, back, stream)
  if (outside /= 0) error stop 1

contains

  subroutine check(status, message)
    integer, intent(in) :: status
    character(len=*), intent(in) :: message
    if (status /= PLUME_OK) then
      print '(a, a, a, a)', 'plume error: ', plume_status_str(status), ': ', message
      error stop 1
    end if
  end subroutine check

end program plume_example_fortran
