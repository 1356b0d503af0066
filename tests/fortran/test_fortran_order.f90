! Compresses a column-major (Fortran-order) real32 array from Fortran, decompresses it
! from Fortran, checks the bound on every value, and writes for check_fortran_stream.c:
!   DIR/stream.plm      the stream
!   DIR/decoded.f32     the values Fortran decompressed, raw, in memory (column-major) order
!   DIR/original.f32    the original values, raw, in memory order
! Also checks the error paths a Fortran caller sees (bad key, wrong output size).
program test_fortran_order
  use plume
  implicit none
  integer, parameter :: nx = 37, ny = 20, nz = 11
  real(real32), allocatable :: a(:,:,:), back(:,:,:), wrong(:), box(:,:,:)
  integer(int64), allocatable :: sh(:)
  real(real64), allocatable :: d(:,:), dback(:,:)
  integer(int8), allocatable :: stream(:), stream64(:)
  type(plume_config) :: cfg
  type(plume_codec) :: codec
  type(plume_metrics) :: m
  type(plume_labeler) :: lab
  type(plume_config) :: deck_cfg
  real(real32) :: zl(100), h2(100), o2(100), h2o(100)
  integer(int8) :: labels(100), labels2(100)
  real(real64) :: frac, per_class(PLUME_N_CLASSES)
  real(real64) :: v
  integer :: ierr, i, j, k, u, failures
  character(len=4096) :: dir

  failures = 0
  call get_command_argument(1, dir)
  if (len_trim(dir) == 0) dir = '.'

  allocate (a(nx, ny, nz), back(nx, ny, nz))
  do k = 1, nz
    do j = 1, ny
      do i = 1, nx
        a(i, j, k) = real(sin(0.3 * i) * cos(0.2 * j) + 0.05 * k, real32)
      end do
    end do
  end do
  a(3, 4, 5) = 0.0

  call plume_config_new(cfg, ierr)
  call expect(ierr == PLUME_OK, 'config_new')
  call plume_config_set(cfg, 'colour', 'blue', ierr)
  call expect(ierr == PLUME_ERR_INVALID_ARGUMENT, 'bad key is rejected')
  call expect(index(plume_config_last_error(cfg), 'colour') > 0, 'message names the key')
  call plume_config_set(cfg, 'mode', 'abs', ierr)
  call expect(ierr == PLUME_OK, 'set mode')
  call plume_config_set(cfg, 'error_bound', '1e-3', ierr)
  call expect(ierr == PLUME_OK, 'set error_bound')
  call plume_codec_new(cfg, codec, ierr)
  call expect(ierr == PLUME_OK, 'codec_new')

  call plume_compress(codec, a, stream, ierr)
  call expect(ierr == PLUME_OK, 'compress: '//plume_codec_last_error(codec))
  call plume_decompress(codec, stream, back, ierr)
  call expect(ierr == PLUME_OK, 'decompress')
  call expect(maxval(abs(real(a, real64) - real(back, real64))) <= 1d-3, 'bound holds')

  ! the stream's shape, and a sub-box: a(5:9, 2, 3:4)
  call plume_stream_shape(codec, stream, sh, ierr)
  call expect(ierr == PLUME_OK .and. size(sh) == 3, 'stream shape')
  call expect(all(sh == [int(nx, int64), int(ny, int64), int(nz, int64)]), 'shape is the Fortran shape')
  allocate (box(5, 1, 2))
  call plume_decompress_region(codec, stream, [5, 2, 3], box, ierr)
  call expect(ierr == PLUME_OK, 'region: '//plume_codec_last_error(codec))
  call expect(all(box == back(5:9, 2:2, 3:4)), 'region equals the same box of the full decode')
  call plume_decompress_region(codec, stream, [nx, 1, 1], box, ierr)
  call expect(ierr == PLUME_ERR_INVALID_ARGUMENT, 'a box past the end is rejected')
  deallocate (box, sh)

  allocate (wrong(10))
  call plume_decompress(codec, stream, wrong, ierr)
  call expect(ierr == PLUME_ERR_BUFFER_TOO_SMALL, 'short output is rejected')
  call plume_decompress(codec, stream(1:20), back, ierr)
  call expect(ierr == PLUME_ERR_CORRUPT_STREAM, 'truncated stream is rejected')

  call plume_compare(codec, a, back, int(size(stream), int64), m, ierr)
  call expect(ierr == PLUME_OK, 'compare')
  call plume_metrics_get(m, 'max_abs_error', v, ierr)
  call expect(ierr == PLUME_OK .and. v <= 1d-3, 'max_abs_error')
  call plume_metrics_get(m, 'nonsense', v, ierr)
  call expect(ierr == PLUME_ERR_INVALID_ARGUMENT, 'unknown metric')
  call plume_metrics_free(m)

  ! real64, rank 2
  allocate (d(50, 3), dback(50, 3))
  do j = 1, 3
    do i = 1, 50
      d(i, j) = exp(0.01d0 * i) * j
    end do
  end do
  call plume_compress(codec, d, stream64, ierr)
  call expect(ierr == PLUME_OK, 'compress f64')
  call plume_decompress(codec, stream64, dback, ierr)
  call expect(ierr == PLUME_OK .and. maxval(abs(d - dback)) <= 1d-3, 'f64 round trip')

  ! A solver's namelist file: Plume reads its &plume group and skips the others.
  open (newunit=u, file=trim(dir)//'/solver.nml', status='replace', action='write')
  write (u, '(a)') '&solver nx = 64, dt = 1.0e-3 /'
  write (u, '(a)') '&plume'
  write (u, '(a)') "  mode = 'pw_rel', error_bound = 0.05,  ! the study's mode"
  write (u, '(a)') "  encoding = 'fast', label = .true. /"
  close (u)
  call plume_config_new(deck_cfg, ierr)
  call plume_config_load(deck_cfg, trim(dir)//'/solver.nml', ierr)
  call expect(ierr == PLUME_OK, 'namelist deck: '//plume_config_last_error(deck_cfg))
  open (newunit=u, file=trim(dir)//'/bad.nml', status='replace', action='write')
  write (u, '(a)') '&plume'
  write (u, '(a)') '  error_bound = 0.05,'
  write (u, '(a)') '  colour = 3 /'
  close (u)
  call plume_config_load(deck_cfg, trim(dir)//'/bad.nml', ierr)
  call expect(ierr == PLUME_ERR_INVALID_ARGUMENT, 'unknown namelist key is rejected')
  call expect(index(plume_config_last_error(deck_cfg), 'bad.nml:3:') > 0, 'message names file and line')
  call expect(index(plume_config_last_error(deck_cfg), 'colour') > 0, 'message names the key')
  call plume_config_free(deck_cfg)

  ! The labeler on a 1-D mixing layer: air at one end, fuel at the other.
  do i = 1, 100
    zl(i) = real(i - 1, real32) / 99.0
    h2(i) = 0.11789 * zl(i)
    o2(i) = 0.233 * (1.0 - zl(i))
    h2o(i) = 0.0
  end do
  call plume_labeler_new(cfg, lab, ierr)
  call expect(ierr == PLUME_OK, 'labeler_new')
  call plume_label(lab, h2, o2, h2o, labels, ierr, z=zl)
  call expect(ierr == PLUME_OK, 'label: '//plume_labeler_last_error(lab))
  call expect(labels(1) == 3 .and. labels(100) == 2 .and. labels(50) == 4, 'air, fuel, mixture')
  call plume_label(lab, h2, o2, h2o, labels2, ierr)
  call expect(ierr == PLUME_OK, 'label with Bilger Z')
  call plume_label_error(lab, labels, labels, frac, ierr, per_class)
  call expect(ierr == PLUME_OK .and. frac == 0d0, 'label error of identical labels')
  call plume_labeler_free(lab)

  open (newunit=u, file=trim(dir)//'/stream.plm', access='stream', form='unformatted', status='replace')
  write (u) stream
  close (u)
  open (newunit=u, file=trim(dir)//'/decoded.f32', access='stream', form='unformatted', status='replace')
  write (u) back
  close (u)
  open (newunit=u, file=trim(dir)//'/original.f32', access='stream', form='unformatted', status='replace')
  write (u) a
  close (u)

  call plume_codec_free(codec)
  call plume_codec_free(codec) ! a freed handle is null: harmless
  call plume_config_free(cfg)
  ! main-program variables are never deallocated automatically: free them for valgrind
  deallocate (a, back, wrong, d, dback, stream, stream64)
  print '(a, a, a, i0, a)', 'plume ', plume_version(), ': Fortran order test, ', failures, ' failures'
  if (failures /= 0) error stop 1

contains

  subroutine expect(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what
    if (.not. ok) then
      failures = failures + 1
      print '(a, a)', 'FAILED: ', what
    end if
  end subroutine expect

end program test_fortran_order
