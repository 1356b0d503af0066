! plume.f90: the Fortran interface of Plume (module plume), over the C ABI of plume.h.
! SPDX-License-Identifier: BSD-3-Clause
!
! Arrays are passed as they lie in memory (column-major, first index fastest): the module
! hands the C library c_loc(array) with shape(array) and PLUME_ORDER_FORTRAN, and the
! library compresses the memory as is: no transposition, and no copy for contiguous arrays
! (a non-contiguous actual argument is copied in by the compiler, as `contiguous` asks).
! Every procedure ends with `integer, intent(out) :: ierr`: PLUME_OK (0) on success,
! otherwise a status of plume.h (PLUME_ERR_*); the detail is in plume_codec_last_error
! (or plume_config_last_error) and plume_status_str(ierr) names the code. Nothing here
! stops the program.
!
! Handles are derived types wrapping type(c_ptr); free them with the matching *_free.
! Thread safety is that of the C functions (plume.h): a codec may be shared by threads.
!
!   use plume
!   type(plume_config) :: cfg
!   type(plume_codec) :: codec
!   integer(int8), allocatable :: stream(:)
!   call plume_config_new(cfg, ierr)
!   call plume_config_set(cfg, 'mode', 'pw_rel', ierr)
!   call plume_config_set(cfg, 'error_bound', '1e-2', ierr)
!   call plume_codec_new(cfg, codec, ierr)
!   call plume_compress(codec, temperature, stream, ierr)        ! real32/real64, rank 1-4
!   call plume_decompress(codec, stream, back, ierr)             ! back has the same shape
module plume
  use, intrinsic :: iso_c_binding
  use, intrinsic :: iso_fortran_env, only: int8, int64, real32, real64
  implicit none
  private

  public :: plume_config, plume_codec, plume_metrics
  public :: plume_config_new, plume_config_free, plume_config_set, plume_config_load, &
            plume_config_apply_env, plume_config_last_error
  public :: plume_codec_new, plume_codec_free, plume_codec_last_error
  public :: plume_compress, plume_decompress, plume_decompress_region, plume_compare
  public :: plume_stream_shape
  public :: plume_metrics_get, plume_metrics_free
  public :: plume_labeler, plume_labeler_new, plume_labeler_free, plume_labeler_last_error
  public :: plume_label, plume_label_error
  public :: plume_status_str, plume_version
  public :: plume_session, plume_session_new, plume_session_begin_step, plume_session_put, &
            plume_session_end_step, plume_session_free, plume_session_last_error, &
            plume_session_set_regions, plume_session_set_coords
  public :: int8, int64, real32, real64

  !> Status codes (plume.h's plume_status).
  integer, parameter, public :: PLUME_OK = 0, PLUME_ERR_INVALID_ARGUMENT = 1, &
    PLUME_ERR_UNSUPPORTED = 2, PLUME_ERR_CORRUPT_STREAM = 3, PLUME_ERR_IO = 4, &
    PLUME_ERR_MPI = 5, PLUME_ERR_DEVICE = 6, PLUME_ERR_BOUND_VIOLATED = 7, &
    PLUME_ERR_PANIC = 100, PLUME_ERR_NULL_POINTER = 101, PLUME_ERR_BUFFER_TOO_SMALL = 102
  !> Flame-regime classes: 0 premixed flame, 1 non-premixed flame, 2 pure fuel,
  !> 3 pure air, 4 unburned mixture.
  integer, parameter, public :: PLUME_N_CLASSES = 5
  integer(c_int32_t), parameter :: PLUME_DTYPE_F32 = 1, PLUME_DTYPE_F64 = 2, PLUME_DTYPE_U8 = 3
  integer(c_int32_t), parameter :: PLUME_ORDER_FORTRAN = 1

  !> Options (plume_config in C).
  type :: plume_config
    type(c_ptr) :: ptr = c_null_ptr
  end type plume_config

  !> A compressor with fixed options (plume_codec in C).
  type :: plume_codec
    type(c_ptr) :: ptr = c_null_ptr
  end type plume_codec

  !> Quality metrics of one comparison (plume_metrics in C).
  type :: plume_metrics
    type(c_ptr) :: ptr = c_null_ptr
  end type plume_metrics

  !> A flame-regime labeler (plume_labeler in C).
  type :: plume_labeler
    type(c_ptr) :: ptr = c_null_ptr
  end type plume_labeler

  !> An in-situ session over an MPI communicator (plume_session in C).
  type :: plume_session
    type(c_ptr) :: ptr = c_null_ptr
  end type plume_session

  !> Hands a rank's block (ghost layers included) of a field to the open step:
  !> call plume_session_put(session, name, values, lo, global_dims, ghost, ierr)
  !> values: real32/real64, rank 1-3, interior plus `ghost` layers on every side;
  !> lo: 1-based global index of the first interior cell; global_dims: the global shape.
  interface plume_session_put
    module procedure session_put_r4_1, session_put_r4_2, session_put_r4_3
    module procedure session_put_r8_1, session_put_r8_2, session_put_r8_3
  end interface plume_session_put

  !> call plume_label(labeler, y_h2, y_o2, y_h2o, labels, ierr [, z]): one class id per
  !> cell into the integer(int8) array `labels` of the fields' shape; without `z`, Bilger's
  !> mixture fraction is computed from the species.
  interface plume_label
    module procedure label_r4_1, label_r4_2, label_r4_3, label_r4_4
    module procedure label_r8_1, label_r8_2, label_r8_3, label_r8_4
  end interface plume_label

  !> call plume_label_error(labeler, reference, recomputed, error_fraction, ierr [, per_class]):
  !> the fraction of cells whose class differs (and per reference class).
  interface plume_label_error
    module procedure label_error_1, label_error_2, label_error_3, label_error_4
  end interface plume_label_error

  !> call plume_compress(codec, values, stream, ierr): compresses a real32/real64 array of
  !> rank 1 to 4 into `stream` (allocated here to the stream's exact length).
  interface plume_compress
    module procedure compress_r4_1, compress_r4_2, compress_r4_3, compress_r4_4
    module procedure compress_r8_1, compress_r8_2, compress_r8_3, compress_r8_4
  end interface plume_compress

  !> call plume_decompress(codec, stream, values, ierr): decompresses into `values`, which
  !> must hold exactly the stream's number of values (its shape is the caller's).
  interface plume_decompress
    module procedure decompress_r4_1, decompress_r4_2, decompress_r4_3, decompress_r4_4
    module procedure decompress_r8_1, decompress_r8_2, decompress_r8_3, decompress_r8_4
  end interface plume_decompress

  !> call plume_decompress_region(codec, stream, lo, values, ierr): decompresses only the
  !> box whose first element is `lo` (1-based, one entry per dimension of the stream) and
  !> whose extent is shape(values), reading only the blocks it overlaps.
  interface plume_decompress_region
    module procedure region_r4_1, region_r4_2, region_r4_3, region_r4_4
    module procedure region_r8_1, region_r8_2, region_r8_3, region_r8_4
  end interface plume_decompress_region

  !> call plume_compare(codec, original, decompressed, compressed_bytes, metrics, ierr):
  !> quality metrics (free them with plume_metrics_free); compressed_bytes is an
  !> integer(int64), the stream's size (0: unknown).
  interface plume_compare
    module procedure compare_r4_1, compare_r4_2, compare_r4_3, compare_r4_4
    module procedure compare_r8_1, compare_r8_2, compare_r8_3, compare_r8_4
  end interface plume_compare

  interface
    function c_strlen(s) bind(C, name="strlen") result(n)
      import :: c_ptr, c_size_t
      type(c_ptr), value :: s
      integer(c_size_t) :: n
    end function c_strlen
    function c_version() bind(C, name="plume_version") result(p)
      import :: c_ptr
      type(c_ptr) :: p
    end function c_version
    function c_status_str(status) bind(C, name="plume_status_str") result(p)
      import :: c_ptr, c_int32_t
      integer(c_int32_t), value :: status
      type(c_ptr) :: p
    end function c_status_str
    function c_config_new(out) bind(C, name="plume_config_new") result(s)
      import :: c_ptr, c_int32_t
      type(c_ptr), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_config_new
    subroutine c_config_free(cfg) bind(C, name="plume_config_free")
      import :: c_ptr
      type(c_ptr), value :: cfg
    end subroutine c_config_free
    function c_config_set(cfg, key, value) bind(C, name="plume_config_set") result(s)
      import :: c_ptr, c_char, c_int32_t
      type(c_ptr), value :: cfg
      character(kind=c_char), intent(in) :: key(*), value(*)
      integer(c_int32_t) :: s
    end function c_config_set
    function c_config_load(cfg, path) bind(C, name="plume_config_load") result(s)
      import :: c_ptr, c_char, c_int32_t
      type(c_ptr), value :: cfg
      character(kind=c_char), intent(in) :: path(*)
      integer(c_int32_t) :: s
    end function c_config_load
    function c_config_apply_env(cfg) bind(C, name="plume_config_apply_env") result(s)
      import :: c_ptr, c_int32_t
      type(c_ptr), value :: cfg
      integer(c_int32_t) :: s
    end function c_config_apply_env
    function c_config_last_error(cfg) bind(C, name="plume_config_last_error") result(p)
      import :: c_ptr
      type(c_ptr), value :: cfg
      type(c_ptr) :: p
    end function c_config_last_error
    function c_codec_new(cfg, field, out) bind(C, name="plume_codec_new") result(s)
      import :: c_ptr, c_int32_t
      type(c_ptr), value :: cfg, field
      type(c_ptr), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_codec_new
    subroutine c_codec_free(codec) bind(C, name="plume_codec_free")
      import :: c_ptr
      type(c_ptr), value :: codec
    end subroutine c_codec_free
    function c_codec_last_error(codec) bind(C, name="plume_codec_last_error") result(p)
      import :: c_ptr
      type(c_ptr), value :: codec
      type(c_ptr) :: p
    end function c_codec_last_error
    function c_compress_bound(codec, dtype, ndims, dims, order, out) &
        bind(C, name="plume_codec_compress_bound") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: codec
      integer(c_int32_t), value :: dtype, order
      integer(c_size_t), value :: ndims
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_size_t), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_compress_bound
    function c_compress_f32(codec, values, ndims, dims, order, out, cap, len) &
        bind(C, name="plume_codec_compress_f32") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: codec, values, out
      integer(c_size_t), value :: ndims, cap
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_int32_t), value :: order
      integer(c_size_t), intent(out) :: len
      integer(c_int32_t) :: s
    end function c_compress_f32
    function c_compress_f64(codec, values, ndims, dims, order, out, cap, len) &
        bind(C, name="plume_codec_compress_f64") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: codec, values, out
      integer(c_size_t), value :: ndims, cap
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_int32_t), value :: order
      integer(c_size_t), intent(out) :: len
      integer(c_int32_t) :: s
    end function c_compress_f64
    function c_decompress_f32(codec, stream, len, out, count) &
        bind(C, name="plume_codec_decompress_f32") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: codec, stream, out
      integer(c_size_t), value :: len, count
      integer(c_int32_t) :: s
    end function c_decompress_f32
    function c_decompress_f64(codec, stream, len, out, count) &
        bind(C, name="plume_codec_decompress_f64") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: codec, stream, out
      integer(c_size_t), value :: len, count
      integer(c_int32_t) :: s
    end function c_decompress_f64
    function c_compare_f32(codec, a, b, ndims, dims, order, bytes, out) &
        bind(C, name="plume_codec_compare_f32") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: codec, a, b
      integer(c_size_t), value :: ndims, bytes
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_int32_t), value :: order
      type(c_ptr), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_compare_f32
    function c_compare_f64(codec, a, b, ndims, dims, order, bytes, out) &
        bind(C, name="plume_codec_compare_f64") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: codec, a, b
      integer(c_size_t), value :: ndims, bytes
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_int32_t), value :: order
      type(c_ptr), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_compare_f64
    function c_metrics_get(m, name, out) bind(C, name="plume_metrics_get") result(s)
      import :: c_ptr, c_char, c_double, c_int32_t
      type(c_ptr), value :: m
      character(kind=c_char), intent(in) :: name(*)
      real(c_double), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_metrics_get
    subroutine c_metrics_free(m) bind(C, name="plume_metrics_free")
      import :: c_ptr
      type(c_ptr), value :: m
    end subroutine c_metrics_free
    function c_region_f32(codec, stream, len, ndims, start, extent, out, count) &
        bind(C, name="plume_codec_decompress_region_f32") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: codec, stream, out
      integer(c_size_t), value :: len, ndims, count
      integer(c_size_t), intent(in) :: start(*), extent(*)
      integer(c_int32_t) :: s
    end function c_region_f32
    function c_region_f64(codec, stream, len, ndims, start, extent, out, count) &
        bind(C, name="plume_codec_decompress_region_f64") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: codec, stream, out
      integer(c_size_t), value :: len, ndims, count
      integer(c_size_t), intent(in) :: start(*), extent(*)
      integer(c_int32_t) :: s
    end function c_region_f64
    function c_inspect(codec, stream, len, out) bind(C, name="plume_codec_inspect") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: codec, stream
      integer(c_size_t), value :: len
      type(c_ptr), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_inspect
    function c_info_ndims(info, out) bind(C, name="plume_stream_info_ndims") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: info
      integer(c_size_t), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_info_ndims
    function c_info_dims(info, dims, cap) bind(C, name="plume_stream_info_dims") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: info
      integer(c_size_t), intent(out) :: dims(*)
      integer(c_size_t), value :: cap
      integer(c_int32_t) :: s
    end function c_info_dims
    function c_info_order(info, out) bind(C, name="plume_stream_info_order") result(s)
      import :: c_ptr, c_int32_t
      type(c_ptr), value :: info
      integer(c_int32_t), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_info_order
    subroutine c_info_free(info) bind(C, name="plume_stream_info_free")
      import :: c_ptr
      type(c_ptr), value :: info
    end subroutine c_info_free
    function c_labeler_new(cfg, out) bind(C, name="plume_labeler_new") result(s)
      import :: c_ptr, c_int32_t
      type(c_ptr), value :: cfg
      type(c_ptr), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_labeler_new
    subroutine c_labeler_free(l) bind(C, name="plume_labeler_free")
      import :: c_ptr
      type(c_ptr), value :: l
    end subroutine c_labeler_free
    function c_labeler_last_error(l) bind(C, name="plume_labeler_last_error") result(p)
      import :: c_ptr
      type(c_ptr), value :: l
      type(c_ptr) :: p
    end function c_labeler_last_error
    function c_label_f32(l, h2, o2, h2o, z, ndims, dims, order, labels, count) &
        bind(C, name="plume_labeler_label_f32") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: l, h2, o2, h2o, z, labels
      integer(c_size_t), value :: ndims, count
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_int32_t), value :: order
      integer(c_int32_t) :: s
    end function c_label_f32
    function c_label_f64(l, h2, o2, h2o, z, ndims, dims, order, labels, count) &
        bind(C, name="plume_labeler_label_f64") result(s)
      import :: c_ptr, c_int32_t, c_size_t
      type(c_ptr), value :: l, h2, o2, h2o, z, labels
      integer(c_size_t), value :: ndims, count
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_int32_t), value :: order
      integer(c_int32_t) :: s
    end function c_label_f64
    function c_label_error(l, a, b, n, frac, per_class, cap) &
        bind(C, name="plume_labeler_label_error") result(s)
      import :: c_ptr, c_int32_t, c_size_t, c_double
      type(c_ptr), value :: l, a, b, per_class
      integer(c_size_t), value :: n, cap
      real(c_double), intent(out) :: frac
      integer(c_int32_t) :: s
    end function c_label_error
    function c_session_new_f(comm, deck, out) bind(C, name="plume_session_new_f") result(s)
      import :: c_ptr, c_int, c_int32_t, c_char
      integer(c_int), value :: comm
      character(kind=c_char), intent(in) :: deck(*)
      type(c_ptr), intent(out) :: out
      integer(c_int32_t) :: s
    end function c_session_new_f
    function c_session_new_error() bind(C, name="plume_session_new_error") result(p)
      import :: c_ptr
      type(c_ptr) :: p
    end function c_session_new_error
    function c_session_last_error(ss) bind(C, name="plume_session_last_error") result(p)
      import :: c_ptr
      type(c_ptr), value :: ss
      type(c_ptr) :: p
    end function c_session_last_error
    function c_session_begin_step(ss, step, time) bind(C, name="plume_session_begin_step") result(s)
      import :: c_ptr, c_int32_t, c_int64_t, c_double
      type(c_ptr), value :: ss
      integer(c_int64_t), value :: step
      real(c_double), value :: time
      integer(c_int32_t) :: s
    end function c_session_begin_step
    function c_session_put_f32(ss, name, v, nd, local, offset, global, order, ghost) &
        bind(C, name="plume_session_put_f32") result(s)
      import :: c_ptr, c_int32_t, c_size_t, c_char
      type(c_ptr), value :: ss, v
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: nd, ghost
      integer(c_size_t), intent(in) :: local(*), offset(*), global(*)
      integer(c_int32_t), value :: order
      integer(c_int32_t) :: s
    end function c_session_put_f32
    function c_session_put_f64(ss, name, v, nd, local, offset, global, order, ghost) &
        bind(C, name="plume_session_put_f64") result(s)
      import :: c_ptr, c_int32_t, c_size_t, c_char
      type(c_ptr), value :: ss, v
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: nd, ghost
      integer(c_size_t), intent(in) :: local(*), offset(*), global(*)
      integer(c_int32_t), value :: order
      integer(c_int32_t) :: s
    end function c_session_put_f64
    function c_session_end_step(ss) bind(C, name="plume_session_end_step") result(s)
      import :: c_ptr, c_int32_t
      type(c_ptr), value :: ss
      integer(c_int32_t) :: s
    end function c_session_end_step
    function c_session_set_coords(ss, axis, c, n) bind(C, name="plume_session_set_coords") result(s)
      import :: c_ptr, c_size_t, c_double, c_int32_t
      type(c_ptr), value :: ss
      integer(c_size_t), value :: axis, n
      real(c_double), intent(in) :: c(*)
      integer(c_int32_t) :: s
    end function c_session_set_coords
    function c_session_set_regions(ss, b, e, u) bind(C, name="plume_session_set_regions") result(s)
      import :: c_ptr, c_funptr, c_int32_t
      type(c_ptr), value :: ss
      type(c_funptr), value :: b, e
      type(c_ptr), value :: u
      integer(c_int32_t) :: s
    end function c_session_set_regions
    function c_session_free(ss) bind(C, name="plume_session_free") result(s)
      import :: c_ptr, c_int32_t
      type(c_ptr), value :: ss
      integer(c_int32_t) :: s
    end function c_session_free
  end interface

contains

  !> A NUL-terminated C string as a Fortran string ('' for NULL).
  function from_c(p) result(s)
    type(c_ptr), intent(in) :: p
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    integer(c_size_t) :: n, i
    if (.not. c_associated(p)) then
      s = ''
      return
    end if
    n = c_strlen(p)
    call c_f_pointer(p, chars, [n])
    allocate (character(len=n) :: s)
    do i = 1, n
      s(i:i) = chars(i)
    end do
  end function from_c

  !> The library's version, e.g. '0.1.0'.
  function plume_version() result(s)
    character(len=:), allocatable :: s
    s = from_c(c_version())
  end function plume_version

  !> The description of a status code (any value).
  function plume_status_str(status) result(s)
    integer, intent(in) :: status
    character(len=:), allocatable :: s
    s = from_c(c_status_str(int(status, c_int32_t)))
  end function plume_status_str

  !> Creates a configuration with every key at its default.
  subroutine plume_config_new(cfg, ierr)
    type(plume_config), intent(out) :: cfg
    integer, intent(out) :: ierr
    ierr = int(c_config_new(cfg%ptr))
  end subroutine plume_config_new

  !> Frees a configuration (a null one is ignored) and nullifies the handle.
  subroutine plume_config_free(cfg)
    type(plume_config), intent(inout) :: cfg
    call c_config_free(cfg%ptr)
    cfg%ptr = c_null_ptr
  end subroutine plume_config_free

  !> Sets option `key` to `value` (see plume_config_set in plume.h for the keys);
  !> trailing blanks of both are ignored.
  subroutine plume_config_set(cfg, key, value, ierr)
    type(plume_config), intent(in) :: cfg
    character(len=*), intent(in) :: key, value
    integer, intent(out) :: ierr
    ierr = int(c_config_set(cfg%ptr, trim(key)//c_null_char, trim(value)//c_null_char))
  end subroutine plume_config_set

  !> Loads an input deck: key = value, a [plume] TOML table or a &plume namelist group
  !> (the solver's own namelist file works).
  subroutine plume_config_load(cfg, path, ierr)
    type(plume_config), intent(in) :: cfg
    character(len=*), intent(in) :: path
    integer, intent(out) :: ierr
    ierr = int(c_config_load(cfg%ptr, trim(path)//c_null_char))
  end subroutine plume_config_load

  !> Applies the PLUME_* environment variables (precedence: API > environment > deck).
  subroutine plume_config_apply_env(cfg, ierr)
    type(plume_config), intent(in) :: cfg
    integer, intent(out) :: ierr
    ierr = int(c_config_apply_env(cfg%ptr))
  end subroutine plume_config_apply_env

  !> The message of the configuration's last failed call.
  function plume_config_last_error(cfg) result(s)
    type(plume_config), intent(in) :: cfg
    character(len=:), allocatable :: s
    s = from_c(c_config_last_error(cfg%ptr))
  end function plume_config_last_error

  !> Creates a codec from `cfg`'s effective options; with `field`, that field's overrides.
  subroutine plume_codec_new(cfg, codec, ierr, field)
    type(plume_config), intent(in) :: cfg
    type(plume_codec), intent(out) :: codec
    integer, intent(out) :: ierr
    character(len=*), intent(in), optional :: field
    character(kind=c_char, len=:), allocatable, target :: cfield
    if (present(field)) then
      cfield = trim(field)//c_null_char
      ierr = int(c_codec_new(cfg%ptr, c_loc(cfield), codec%ptr))
    else
      ierr = int(c_codec_new(cfg%ptr, c_null_ptr, codec%ptr))
    end if
  end subroutine plume_codec_new

  !> Frees a codec (a null one is ignored) and nullifies the handle.
  subroutine plume_codec_free(codec)
    type(plume_codec), intent(inout) :: codec
    call c_codec_free(codec%ptr)
    codec%ptr = c_null_ptr
  end subroutine plume_codec_free

  !> The message of the codec's last failed call.
  function plume_codec_last_error(codec) result(s)
    type(plume_codec), intent(in) :: codec
    character(len=:), allocatable :: s
    s = from_c(c_codec_last_error(codec%ptr))
  end function plume_codec_last_error

  !> Reads metric `name` (e.g. 'psnr_db', 'max_abs_error', 'compression_ratio').
  subroutine plume_metrics_get(metrics, name, value, ierr)
    type(plume_metrics), intent(in) :: metrics
    character(len=*), intent(in) :: name
    real(real64), intent(out) :: value
    integer, intent(out) :: ierr
    real(c_double) :: v
    ierr = int(c_metrics_get(metrics%ptr, trim(name)//c_null_char, v))
    if (ierr == PLUME_OK) value = v
  end subroutine plume_metrics_get

  !> Frees metrics (a null handle is ignored) and nullifies the handle.
  subroutine plume_metrics_free(metrics)
    type(plume_metrics), intent(inout) :: metrics
    call c_metrics_free(metrics%ptr)
    metrics%ptr = c_null_ptr
  end subroutine plume_metrics_free

  !> The shape a stream was compressed with, as a Fortran shape: `shape` is allocated to
  !> the stream's rank; a C-order stream's dims are reversed (its memory read as a Fortran
  !> array), so `allocate (a(shape(1), ...))` always receives the values as they lie.
  subroutine plume_stream_shape(codec, stream, shape_out, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    integer(int64), allocatable, intent(out) :: shape_out(:)
    integer, intent(out) :: ierr
    type(c_ptr) :: info
    integer(c_size_t) :: nd, dims(4)
    integer(c_int32_t) :: order
    ierr = int(c_inspect(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), info))
    if (ierr /= PLUME_OK) return
    ierr = int(c_info_ndims(info, nd))
    if (ierr == PLUME_OK) ierr = int(c_info_dims(info, dims, 4_c_size_t))
    if (ierr == PLUME_OK) ierr = int(c_info_order(info, order))
    call c_info_free(info)
    if (ierr /= PLUME_OK) return
    if (order == PLUME_ORDER_FORTRAN) then
      shape_out = int(dims(1:nd), int64)
    else
      shape_out = int(dims(nd:1:-1), int64)
    end if
  end subroutine plume_stream_shape

  !> Creates a labeler with cfg's label.<param> thresholds.
  subroutine plume_labeler_new(cfg, labeler, ierr)
    type(plume_config), intent(in) :: cfg
    type(plume_labeler), intent(out) :: labeler
    integer, intent(out) :: ierr
    ierr = int(c_labeler_new(cfg%ptr, labeler%ptr))
  end subroutine plume_labeler_new

  !> Frees a labeler (a null one is ignored) and nullifies the handle.
  subroutine plume_labeler_free(labeler)
    type(plume_labeler), intent(inout) :: labeler
    call c_labeler_free(labeler%ptr)
    labeler%ptr = c_null_ptr
  end subroutine plume_labeler_free

  !> The message of the labeler's last failed call.
  function plume_labeler_last_error(labeler) result(s)
    type(plume_labeler), intent(in) :: labeler
    character(len=:), allocatable :: s
    s = from_c(c_labeler_last_error(labeler%ptr))
  end function plume_labeler_last_error

  subroutine label_error_any(labeler, a, b, na, nb, error_fraction, ierr, per_class)
    type(plume_labeler), intent(in) :: labeler
    type(c_ptr), intent(in) :: a, b
    integer(c_size_t), intent(in) :: na, nb
    real(real64), intent(out) :: error_fraction
    integer, intent(out) :: ierr
    real(real64), intent(out), target, optional :: per_class(PLUME_N_CLASSES)
    real(c_double) :: frac
    real(c_double), target :: pc(PLUME_N_CLASSES)
    if (na /= nb) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    ierr = int(c_label_error(labeler%ptr, a, b, na, frac, c_loc(pc), int(PLUME_N_CLASSES, c_size_t)))
    if (ierr /= PLUME_OK) return
    error_fraction = frac
    if (present(per_class)) per_class = pc
  end subroutine label_error_any

  ! --- rank- and kind-agnostic workers ----------------------------------------------

  subroutine compress_any(codec, dtype, values, n, dims, stream, ierr)
    type(plume_codec), intent(in) :: codec
    integer(c_int32_t), intent(in) :: dtype
    type(c_ptr), intent(in) :: values
    integer(c_size_t), intent(in) :: n, dims(:)
    integer(int8), allocatable, intent(out) :: stream(:)
    integer, intent(out) :: ierr
    integer(int8), allocatable, target :: buf(:)
    integer(c_size_t) :: cap, len
    type(c_ptr) :: p
    p = values
    if (n == 0) p = c_null_ptr
    ierr = int(c_compress_bound(codec%ptr, dtype, size(dims, kind=c_size_t), dims, &
                                PLUME_ORDER_FORTRAN, cap))
    if (ierr /= PLUME_OK) return
    allocate (buf(cap))
    if (dtype == PLUME_DTYPE_F32) then
      ierr = int(c_compress_f32(codec%ptr, p, size(dims, kind=c_size_t), dims, &
                                PLUME_ORDER_FORTRAN, c_loc(buf), cap, len))
    else
      ierr = int(c_compress_f64(codec%ptr, p, size(dims, kind=c_size_t), dims, &
                                PLUME_ORDER_FORTRAN, c_loc(buf), cap, len))
    end if
    if (ierr /= PLUME_OK) return
    allocate (stream(len))
    stream(:) = buf(1:len)
  end subroutine compress_any

  ! The C library checks the value count against the stream; `dims` only guards rank 0.
  subroutine decompress_any(codec, dtype, stream, values, n, dims, ierr)
    type(plume_codec), intent(in) :: codec
    integer(c_int32_t), intent(in) :: dtype
    integer(int8), intent(in), target, contiguous :: stream(:)
    type(c_ptr), intent(in) :: values
    integer(c_size_t), intent(in) :: n, dims(:)
    integer, intent(out) :: ierr
    type(c_ptr) :: p
    p = values
    if (n == 0) p = c_null_ptr
    if (size(dims) == 0) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    if (dtype == PLUME_DTYPE_F32) then
      ierr = int(c_decompress_f32(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), p, n))
    else
      ierr = int(c_decompress_f64(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), p, n))
    end if
  end subroutine decompress_any

  subroutine compare_any(codec, dtype, a, b, na, nb, dims, bytes, metrics, ierr)
    type(plume_codec), intent(in) :: codec
    integer(c_int32_t), intent(in) :: dtype
    type(c_ptr), intent(in) :: a, b
    integer(c_size_t), intent(in) :: na, nb, dims(:), bytes
    type(plume_metrics), intent(out) :: metrics
    integer, intent(out) :: ierr
    if (na /= nb) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    if (dtype == PLUME_DTYPE_F32) then
      ierr = int(c_compare_f32(codec%ptr, a, b, size(dims, kind=c_size_t), dims, &
                               PLUME_ORDER_FORTRAN, bytes, metrics%ptr))
    else
      ierr = int(c_compare_f64(codec%ptr, a, b, size(dims, kind=c_size_t), dims, &
                               PLUME_ORDER_FORTRAN, bytes, metrics%ptr))
    end if
  end subroutine compare_any

  ! --- one thin wrapper per kind and rank (Fortran has no rank-generic dummies that
  ! --- c_loc accepts on every compiler we target); each only forwards ---------------

  subroutine compress_r4_1(codec, values, stream, ierr)
    type(plume_codec), intent(in) :: codec
    real(real32), intent(in), target, contiguous :: values(:)
    integer(int8), allocatable, intent(out) :: stream(:)
    integer, intent(out) :: ierr
    call compress_any(codec, PLUME_DTYPE_F32, c_loc(values), size(values, kind=c_size_t), &
                      shape(values, kind=c_size_t), stream, ierr)
  end subroutine compress_r4_1

  subroutine decompress_r4_1(codec, stream, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    real(real32), intent(inout), target, contiguous :: values(:)
    integer, intent(out) :: ierr
    call decompress_any(codec, PLUME_DTYPE_F32, stream, c_loc(values), size(values, kind=c_size_t), &
                        shape(values, kind=c_size_t), ierr)
  end subroutine decompress_r4_1

  subroutine compare_r4_1(codec, original, decompressed, compressed_bytes, metrics, ierr)
    type(plume_codec), intent(in) :: codec
    real(real32), intent(in), target, contiguous :: original(:), decompressed(:)
    integer(int64), intent(in) :: compressed_bytes
    type(plume_metrics), intent(out) :: metrics
    integer, intent(out) :: ierr
    call compare_any(codec, PLUME_DTYPE_F32, c_loc(original), c_loc(decompressed), size(original, kind=c_size_t), &
                     size(decompressed, kind=c_size_t), shape(original, kind=c_size_t), &
                     int(compressed_bytes, c_size_t), metrics, ierr)
  end subroutine compare_r4_1

  subroutine compress_r4_2(codec, values, stream, ierr)
    type(plume_codec), intent(in) :: codec
    real(real32), intent(in), target, contiguous :: values(:,:)
    integer(int8), allocatable, intent(out) :: stream(:)
    integer, intent(out) :: ierr
    call compress_any(codec, PLUME_DTYPE_F32, c_loc(values), size(values, kind=c_size_t), &
                      shape(values, kind=c_size_t), stream, ierr)
  end subroutine compress_r4_2

  subroutine decompress_r4_2(codec, stream, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    real(real32), intent(inout), target, contiguous :: values(:,:)
    integer, intent(out) :: ierr
    call decompress_any(codec, PLUME_DTYPE_F32, stream, c_loc(values), size(values, kind=c_size_t), &
                        shape(values, kind=c_size_t), ierr)
  end subroutine decompress_r4_2

  subroutine compare_r4_2(codec, original, decompressed, compressed_bytes, metrics, ierr)
    type(plume_codec), intent(in) :: codec
    real(real32), intent(in), target, contiguous :: original(:,:), decompressed(:,:)
    integer(int64), intent(in) :: compressed_bytes
    type(plume_metrics), intent(out) :: metrics
    integer, intent(out) :: ierr
    call compare_any(codec, PLUME_DTYPE_F32, c_loc(original), c_loc(decompressed), size(original, kind=c_size_t), &
                     size(decompressed, kind=c_size_t), shape(original, kind=c_size_t), &
                     int(compressed_bytes, c_size_t), metrics, ierr)
  end subroutine compare_r4_2

  subroutine compress_r4_3(codec, values, stream, ierr)
    type(plume_codec), intent(in) :: codec
    real(real32), intent(in), target, contiguous :: values(:,:,:)
    integer(int8), allocatable, intent(out) :: stream(:)
    integer, intent(out) :: ierr
    call compress_any(codec, PLUME_DTYPE_F32, c_loc(values), size(values, kind=c_size_t), &
                      shape(values, kind=c_size_t), stream, ierr)
  end subroutine compress_r4_3

  subroutine decompress_r4_3(codec, stream, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    real(real32), intent(inout), target, contiguous :: values(:,:,:)
    integer, intent(out) :: ierr
    call decompress_any(codec, PLUME_DTYPE_F32, stream, c_loc(values), size(values, kind=c_size_t), &
                        shape(values, kind=c_size_t), ierr)
  end subroutine decompress_r4_3

  subroutine compare_r4_3(codec, original, decompressed, compressed_bytes, metrics, ierr)
    type(plume_codec), intent(in) :: codec
    real(real32), intent(in), target, contiguous :: original(:,:,:), decompressed(:,:,:)
    integer(int64), intent(in) :: compressed_bytes
    type(plume_metrics), intent(out) :: metrics
    integer, intent(out) :: ierr
    call compare_any(codec, PLUME_DTYPE_F32, c_loc(original), c_loc(decompressed), size(original, kind=c_size_t), &
                     size(decompressed, kind=c_size_t), shape(original, kind=c_size_t), &
                     int(compressed_bytes, c_size_t), metrics, ierr)
  end subroutine compare_r4_3

  subroutine compress_r4_4(codec, values, stream, ierr)
    type(plume_codec), intent(in) :: codec
    real(real32), intent(in), target, contiguous :: values(:,:,:,:)
    integer(int8), allocatable, intent(out) :: stream(:)
    integer, intent(out) :: ierr
    call compress_any(codec, PLUME_DTYPE_F32, c_loc(values), size(values, kind=c_size_t), &
                      shape(values, kind=c_size_t), stream, ierr)
  end subroutine compress_r4_4

  subroutine decompress_r4_4(codec, stream, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    real(real32), intent(inout), target, contiguous :: values(:,:,:,:)
    integer, intent(out) :: ierr
    call decompress_any(codec, PLUME_DTYPE_F32, stream, c_loc(values), size(values, kind=c_size_t), &
                        shape(values, kind=c_size_t), ierr)
  end subroutine decompress_r4_4

  subroutine compare_r4_4(codec, original, decompressed, compressed_bytes, metrics, ierr)
    type(plume_codec), intent(in) :: codec
    real(real32), intent(in), target, contiguous :: original(:,:,:,:), decompressed(:,:,:,:)
    integer(int64), intent(in) :: compressed_bytes
    type(plume_metrics), intent(out) :: metrics
    integer, intent(out) :: ierr
    call compare_any(codec, PLUME_DTYPE_F32, c_loc(original), c_loc(decompressed), size(original, kind=c_size_t), &
                     size(decompressed, kind=c_size_t), shape(original, kind=c_size_t), &
                     int(compressed_bytes, c_size_t), metrics, ierr)
  end subroutine compare_r4_4

  subroutine compress_r8_1(codec, values, stream, ierr)
    type(plume_codec), intent(in) :: codec
    real(real64), intent(in), target, contiguous :: values(:)
    integer(int8), allocatable, intent(out) :: stream(:)
    integer, intent(out) :: ierr
    call compress_any(codec, PLUME_DTYPE_F64, c_loc(values), size(values, kind=c_size_t), &
                      shape(values, kind=c_size_t), stream, ierr)
  end subroutine compress_r8_1

  subroutine decompress_r8_1(codec, stream, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    real(real64), intent(inout), target, contiguous :: values(:)
    integer, intent(out) :: ierr
    call decompress_any(codec, PLUME_DTYPE_F64, stream, c_loc(values), size(values, kind=c_size_t), &
                        shape(values, kind=c_size_t), ierr)
  end subroutine decompress_r8_1

  subroutine compare_r8_1(codec, original, decompressed, compressed_bytes, metrics, ierr)
    type(plume_codec), intent(in) :: codec
    real(real64), intent(in), target, contiguous :: original(:), decompressed(:)
    integer(int64), intent(in) :: compressed_bytes
    type(plume_metrics), intent(out) :: metrics
    integer, intent(out) :: ierr
    call compare_any(codec, PLUME_DTYPE_F64, c_loc(original), c_loc(decompressed), size(original, kind=c_size_t), &
                     size(decompressed, kind=c_size_t), shape(original, kind=c_size_t), &
                     int(compressed_bytes, c_size_t), metrics, ierr)
  end subroutine compare_r8_1

  subroutine compress_r8_2(codec, values, stream, ierr)
    type(plume_codec), intent(in) :: codec
    real(real64), intent(in), target, contiguous :: values(:,:)
    integer(int8), allocatable, intent(out) :: stream(:)
    integer, intent(out) :: ierr
    call compress_any(codec, PLUME_DTYPE_F64, c_loc(values), size(values, kind=c_size_t), &
                      shape(values, kind=c_size_t), stream, ierr)
  end subroutine compress_r8_2

  subroutine decompress_r8_2(codec, stream, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    real(real64), intent(inout), target, contiguous :: values(:,:)
    integer, intent(out) :: ierr
    call decompress_any(codec, PLUME_DTYPE_F64, stream, c_loc(values), size(values, kind=c_size_t), &
                        shape(values, kind=c_size_t), ierr)
  end subroutine decompress_r8_2

  subroutine compare_r8_2(codec, original, decompressed, compressed_bytes, metrics, ierr)
    type(plume_codec), intent(in) :: codec
    real(real64), intent(in), target, contiguous :: original(:,:), decompressed(:,:)
    integer(int64), intent(in) :: compressed_bytes
    type(plume_metrics), intent(out) :: metrics
    integer, intent(out) :: ierr
    call compare_any(codec, PLUME_DTYPE_F64, c_loc(original), c_loc(decompressed), size(original, kind=c_size_t), &
                     size(decompressed, kind=c_size_t), shape(original, kind=c_size_t), &
                     int(compressed_bytes, c_size_t), metrics, ierr)
  end subroutine compare_r8_2

  subroutine compress_r8_3(codec, values, stream, ierr)
    type(plume_codec), intent(in) :: codec
    real(real64), intent(in), target, contiguous :: values(:,:,:)
    integer(int8), allocatable, intent(out) :: stream(:)
    integer, intent(out) :: ierr
    call compress_any(codec, PLUME_DTYPE_F64, c_loc(values), size(values, kind=c_size_t), &
                      shape(values, kind=c_size_t), stream, ierr)
  end subroutine compress_r8_3

  subroutine decompress_r8_3(codec, stream, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    real(real64), intent(inout), target, contiguous :: values(:,:,:)
    integer, intent(out) :: ierr
    call decompress_any(codec, PLUME_DTYPE_F64, stream, c_loc(values), size(values, kind=c_size_t), &
                        shape(values, kind=c_size_t), ierr)
  end subroutine decompress_r8_3

  subroutine compare_r8_3(codec, original, decompressed, compressed_bytes, metrics, ierr)
    type(plume_codec), intent(in) :: codec
    real(real64), intent(in), target, contiguous :: original(:,:,:), decompressed(:,:,:)
    integer(int64), intent(in) :: compressed_bytes
    type(plume_metrics), intent(out) :: metrics
    integer, intent(out) :: ierr
    call compare_any(codec, PLUME_DTYPE_F64, c_loc(original), c_loc(decompressed), size(original, kind=c_size_t), &
                     size(decompressed, kind=c_size_t), shape(original, kind=c_size_t), &
                     int(compressed_bytes, c_size_t), metrics, ierr)
  end subroutine compare_r8_3

  subroutine compress_r8_4(codec, values, stream, ierr)
    type(plume_codec), intent(in) :: codec
    real(real64), intent(in), target, contiguous :: values(:,:,:,:)
    integer(int8), allocatable, intent(out) :: stream(:)
    integer, intent(out) :: ierr
    call compress_any(codec, PLUME_DTYPE_F64, c_loc(values), size(values, kind=c_size_t), &
                      shape(values, kind=c_size_t), stream, ierr)
  end subroutine compress_r8_4

  subroutine decompress_r8_4(codec, stream, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    real(real64), intent(inout), target, contiguous :: values(:,:,:,:)
    integer, intent(out) :: ierr
    call decompress_any(codec, PLUME_DTYPE_F64, stream, c_loc(values), size(values, kind=c_size_t), &
                        shape(values, kind=c_size_t), ierr)
  end subroutine decompress_r8_4

  subroutine compare_r8_4(codec, original, decompressed, compressed_bytes, metrics, ierr)
    type(plume_codec), intent(in) :: codec
    real(real64), intent(in), target, contiguous :: original(:,:,:,:), decompressed(:,:,:,:)
    integer(int64), intent(in) :: compressed_bytes
    type(plume_metrics), intent(out) :: metrics
    integer, intent(out) :: ierr
    call compare_any(codec, PLUME_DTYPE_F64, c_loc(original), c_loc(decompressed), size(original, kind=c_size_t), &
                     size(decompressed, kind=c_size_t), shape(original, kind=c_size_t), &
                     int(compressed_bytes, c_size_t), metrics, ierr)
  end subroutine compare_r8_4

  subroutine label_r4_1(labeler, y_h2, y_o2, y_h2o, labels, ierr, z)
    type(plume_labeler), intent(in) :: labeler
    real(real32), intent(in), target, contiguous :: y_h2(:), y_o2(:), y_h2o(:)
    integer(int8), intent(inout), target, contiguous :: labels(:)
    integer, intent(out) :: ierr
    real(real32), intent(in), target, contiguous, optional :: z(:)
    type(c_ptr) :: zp
    zp = c_null_ptr
    if (present(z)) zp = c_loc(z)
    if (any(shape(y_o2) /= shape(y_h2)) .or. any(shape(y_h2o) /= shape(y_h2))) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    ierr = int(c_label_f32(labeler%ptr, c_loc(y_h2), c_loc(y_o2), c_loc(y_h2o), zp, &
                            int(1, c_size_t), shape(y_h2, kind=c_size_t), PLUME_ORDER_FORTRAN, &
                            c_loc(labels), size(labels, kind=c_size_t)))
  end subroutine label_r4_1

  subroutine label_r4_2(labeler, y_h2, y_o2, y_h2o, labels, ierr, z)
    type(plume_labeler), intent(in) :: labeler
    real(real32), intent(in), target, contiguous :: y_h2(:,:), y_o2(:,:), y_h2o(:,:)
    integer(int8), intent(inout), target, contiguous :: labels(:,:)
    integer, intent(out) :: ierr
    real(real32), intent(in), target, contiguous, optional :: z(:,:)
    type(c_ptr) :: zp
    zp = c_null_ptr
    if (present(z)) zp = c_loc(z)
    if (any(shape(y_o2) /= shape(y_h2)) .or. any(shape(y_h2o) /= shape(y_h2))) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    ierr = int(c_label_f32(labeler%ptr, c_loc(y_h2), c_loc(y_o2), c_loc(y_h2o), zp, &
                            int(2, c_size_t), shape(y_h2, kind=c_size_t), PLUME_ORDER_FORTRAN, &
                            c_loc(labels), size(labels, kind=c_size_t)))
  end subroutine label_r4_2

  subroutine label_r4_3(labeler, y_h2, y_o2, y_h2o, labels, ierr, z)
    type(plume_labeler), intent(in) :: labeler
    real(real32), intent(in), target, contiguous :: y_h2(:,:,:), y_o2(:,:,:), y_h2o(:,:,:)
    integer(int8), intent(inout), target, contiguous :: labels(:,:,:)
    integer, intent(out) :: ierr
    real(real32), intent(in), target, contiguous, optional :: z(:,:,:)
    type(c_ptr) :: zp
    zp = c_null_ptr
    if (present(z)) zp = c_loc(z)
    if (any(shape(y_o2) /= shape(y_h2)) .or. any(shape(y_h2o) /= shape(y_h2))) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    ierr = int(c_label_f32(labeler%ptr, c_loc(y_h2), c_loc(y_o2), c_loc(y_h2o), zp, &
                            int(3, c_size_t), shape(y_h2, kind=c_size_t), PLUME_ORDER_FORTRAN, &
                            c_loc(labels), size(labels, kind=c_size_t)))
  end subroutine label_r4_3

  subroutine label_r4_4(labeler, y_h2, y_o2, y_h2o, labels, ierr, z)
    type(plume_labeler), intent(in) :: labeler
    real(real32), intent(in), target, contiguous :: y_h2(:,:,:,:), y_o2(:,:,:,:), y_h2o(:,:,:,:)
    integer(int8), intent(inout), target, contiguous :: labels(:,:,:,:)
    integer, intent(out) :: ierr
    real(real32), intent(in), target, contiguous, optional :: z(:,:,:,:)
    type(c_ptr) :: zp
    zp = c_null_ptr
    if (present(z)) zp = c_loc(z)
    if (any(shape(y_o2) /= shape(y_h2)) .or. any(shape(y_h2o) /= shape(y_h2))) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    ierr = int(c_label_f32(labeler%ptr, c_loc(y_h2), c_loc(y_o2), c_loc(y_h2o), zp, &
                            int(4, c_size_t), shape(y_h2, kind=c_size_t), PLUME_ORDER_FORTRAN, &
                            c_loc(labels), size(labels, kind=c_size_t)))
  end subroutine label_r4_4

  subroutine label_r8_1(labeler, y_h2, y_o2, y_h2o, labels, ierr, z)
    type(plume_labeler), intent(in) :: labeler
    real(real64), intent(in), target, contiguous :: y_h2(:), y_o2(:), y_h2o(:)
    integer(int8), intent(inout), target, contiguous :: labels(:)
    integer, intent(out) :: ierr
    real(real64), intent(in), target, contiguous, optional :: z(:)
    type(c_ptr) :: zp
    zp = c_null_ptr
    if (present(z)) zp = c_loc(z)
    if (any(shape(y_o2) /= shape(y_h2)) .or. any(shape(y_h2o) /= shape(y_h2))) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    ierr = int(c_label_f64(labeler%ptr, c_loc(y_h2), c_loc(y_o2), c_loc(y_h2o), zp, &
                            int(1, c_size_t), shape(y_h2, kind=c_size_t), PLUME_ORDER_FORTRAN, &
                            c_loc(labels), size(labels, kind=c_size_t)))
  end subroutine label_r8_1

  subroutine label_r8_2(labeler, y_h2, y_o2, y_h2o, labels, ierr, z)
    type(plume_labeler), intent(in) :: labeler
    real(real64), intent(in), target, contiguous :: y_h2(:,:), y_o2(:,:), y_h2o(:,:)
    integer(int8), intent(inout), target, contiguous :: labels(:,:)
    integer, intent(out) :: ierr
    real(real64), intent(in), target, contiguous, optional :: z(:,:)
    type(c_ptr) :: zp
    zp = c_null_ptr
    if (present(z)) zp = c_loc(z)
    if (any(shape(y_o2) /= shape(y_h2)) .or. any(shape(y_h2o) /= shape(y_h2))) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    ierr = int(c_label_f64(labeler%ptr, c_loc(y_h2), c_loc(y_o2), c_loc(y_h2o), zp, &
                            int(2, c_size_t), shape(y_h2, kind=c_size_t), PLUME_ORDER_FORTRAN, &
                            c_loc(labels), size(labels, kind=c_size_t)))
  end subroutine label_r8_2

  subroutine label_r8_3(labeler, y_h2, y_o2, y_h2o, labels, ierr, z)
    type(plume_labeler), intent(in) :: labeler
    real(real64), intent(in), target, contiguous :: y_h2(:,:,:), y_o2(:,:,:), y_h2o(:,:,:)
    integer(int8), intent(inout), target, contiguous :: labels(:,:,:)
    integer, intent(out) :: ierr
    real(real64), intent(in), target, contiguous, optional :: z(:,:,:)
    type(c_ptr) :: zp
    zp = c_null_ptr
    if (present(z)) zp = c_loc(z)
    if (any(shape(y_o2) /= shape(y_h2)) .or. any(shape(y_h2o) /= shape(y_h2))) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    ierr = int(c_label_f64(labeler%ptr, c_loc(y_h2), c_loc(y_o2), c_loc(y_h2o), zp, &
                            int(3, c_size_t), shape(y_h2, kind=c_size_t), PLUME_ORDER_FORTRAN, &
                            c_loc(labels), size(labels, kind=c_size_t)))
  end subroutine label_r8_3

  subroutine label_r8_4(labeler, y_h2, y_o2, y_h2o, labels, ierr, z)
    type(plume_labeler), intent(in) :: labeler
    real(real64), intent(in), target, contiguous :: y_h2(:,:,:,:), y_o2(:,:,:,:), y_h2o(:,:,:,:)
    integer(int8), intent(inout), target, contiguous :: labels(:,:,:,:)
    integer, intent(out) :: ierr
    real(real64), intent(in), target, contiguous, optional :: z(:,:,:,:)
    type(c_ptr) :: zp
    zp = c_null_ptr
    if (present(z)) zp = c_loc(z)
    if (any(shape(y_o2) /= shape(y_h2)) .or. any(shape(y_h2o) /= shape(y_h2))) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    ierr = int(c_label_f64(labeler%ptr, c_loc(y_h2), c_loc(y_o2), c_loc(y_h2o), zp, &
                            int(4, c_size_t), shape(y_h2, kind=c_size_t), PLUME_ORDER_FORTRAN, &
                            c_loc(labels), size(labels, kind=c_size_t)))
  end subroutine label_r8_4

  subroutine label_error_1(labeler, reference, recomputed, error_fraction, ierr, per_class)
    type(plume_labeler), intent(in) :: labeler
    integer(int8), intent(in), target, contiguous :: reference(:), recomputed(:)
    real(real64), intent(out) :: error_fraction
    integer, intent(out) :: ierr
    real(real64), intent(out), target, optional :: per_class(PLUME_N_CLASSES)
    call label_error_any(labeler, c_loc(reference), c_loc(recomputed), size(reference, kind=c_size_t), &
                         size(recomputed, kind=c_size_t), error_fraction, ierr, per_class)
  end subroutine label_error_1

  subroutine label_error_2(labeler, reference, recomputed, error_fraction, ierr, per_class)
    type(plume_labeler), intent(in) :: labeler
    integer(int8), intent(in), target, contiguous :: reference(:,:), recomputed(:,:)
    real(real64), intent(out) :: error_fraction
    integer, intent(out) :: ierr
    real(real64), intent(out), target, optional :: per_class(PLUME_N_CLASSES)
    call label_error_any(labeler, c_loc(reference), c_loc(recomputed), size(reference, kind=c_size_t), &
                         size(recomputed, kind=c_size_t), error_fraction, ierr, per_class)
  end subroutine label_error_2

  subroutine label_error_3(labeler, reference, recomputed, error_fraction, ierr, per_class)
    type(plume_labeler), intent(in) :: labeler
    integer(int8), intent(in), target, contiguous :: reference(:,:,:), recomputed(:,:,:)
    real(real64), intent(out) :: error_fraction
    integer, intent(out) :: ierr
    real(real64), intent(out), target, optional :: per_class(PLUME_N_CLASSES)
    call label_error_any(labeler, c_loc(reference), c_loc(recomputed), size(reference, kind=c_size_t), &
                         size(recomputed, kind=c_size_t), error_fraction, ierr, per_class)
  end subroutine label_error_3

  subroutine label_error_4(labeler, reference, recomputed, error_fraction, ierr, per_class)
    type(plume_labeler), intent(in) :: labeler
    integer(int8), intent(in), target, contiguous :: reference(:,:,:,:), recomputed(:,:,:,:)
    real(real64), intent(out) :: error_fraction
    integer, intent(out) :: ierr
    real(real64), intent(out), target, optional :: per_class(PLUME_N_CLASSES)
    call label_error_any(labeler, c_loc(reference), c_loc(recomputed), size(reference, kind=c_size_t), &
                         size(recomputed, kind=c_size_t), error_fraction, ierr, per_class)
  end subroutine label_error_4
  subroutine region_r4_1(codec, stream, lo, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    integer, intent(in) :: lo(1)
    real(real32), intent(inout), target, contiguous :: values(:)
    integer, intent(out) :: ierr
    integer(c_size_t) :: start(1)
    if (any(lo < 1)) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    start = int(lo - 1, c_size_t)
    ierr = int(c_region_f32(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), int(1, c_size_t), &
                             start, shape(values, kind=c_size_t), c_loc(values), size(values, kind=c_size_t)))
  end subroutine region_r4_1

  subroutine region_r4_2(codec, stream, lo, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    integer, intent(in) :: lo(2)
    real(real32), intent(inout), target, contiguous :: values(:,:)
    integer, intent(out) :: ierr
    integer(c_size_t) :: start(2)
    if (any(lo < 1)) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    start = int(lo - 1, c_size_t)
    ierr = int(c_region_f32(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), int(2, c_size_t), &
                             start, shape(values, kind=c_size_t), c_loc(values), size(values, kind=c_size_t)))
  end subroutine region_r4_2

  subroutine region_r4_3(codec, stream, lo, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    integer, intent(in) :: lo(3)
    real(real32), intent(inout), target, contiguous :: values(:,:,:)
    integer, intent(out) :: ierr
    integer(c_size_t) :: start(3)
    if (any(lo < 1)) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    start = int(lo - 1, c_size_t)
    ierr = int(c_region_f32(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), int(3, c_size_t), &
                             start, shape(values, kind=c_size_t), c_loc(values), size(values, kind=c_size_t)))
  end subroutine region_r4_3

  subroutine region_r4_4(codec, stream, lo, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    integer, intent(in) :: lo(4)
    real(real32), intent(inout), target, contiguous :: values(:,:,:,:)
    integer, intent(out) :: ierr
    integer(c_size_t) :: start(4)
    if (any(lo < 1)) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    start = int(lo - 1, c_size_t)
    ierr = int(c_region_f32(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), int(4, c_size_t), &
                             start, shape(values, kind=c_size_t), c_loc(values), size(values, kind=c_size_t)))
  end subroutine region_r4_4

  subroutine region_r8_1(codec, stream, lo, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    integer, intent(in) :: lo(1)
    real(real64), intent(inout), target, contiguous :: values(:)
    integer, intent(out) :: ierr
    integer(c_size_t) :: start(1)
    if (any(lo < 1)) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    start = int(lo - 1, c_size_t)
    ierr = int(c_region_f64(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), int(1, c_size_t), &
                             start, shape(values, kind=c_size_t), c_loc(values), size(values, kind=c_size_t)))
  end subroutine region_r8_1

  subroutine region_r8_2(codec, stream, lo, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    integer, intent(in) :: lo(2)
    real(real64), intent(inout), target, contiguous :: values(:,:)
    integer, intent(out) :: ierr
    integer(c_size_t) :: start(2)
    if (any(lo < 1)) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    start = int(lo - 1, c_size_t)
    ierr = int(c_region_f64(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), int(2, c_size_t), &
                             start, shape(values, kind=c_size_t), c_loc(values), size(values, kind=c_size_t)))
  end subroutine region_r8_2

  subroutine region_r8_3(codec, stream, lo, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    integer, intent(in) :: lo(3)
    real(real64), intent(inout), target, contiguous :: values(:,:,:)
    integer, intent(out) :: ierr
    integer(c_size_t) :: start(3)
    if (any(lo < 1)) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    start = int(lo - 1, c_size_t)
    ierr = int(c_region_f64(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), int(3, c_size_t), &
                             start, shape(values, kind=c_size_t), c_loc(values), size(values, kind=c_size_t)))
  end subroutine region_r8_3

  subroutine region_r8_4(codec, stream, lo, values, ierr)
    type(plume_codec), intent(in) :: codec
    integer(int8), intent(in), target, contiguous :: stream(:)
    integer, intent(in) :: lo(4)
    real(real64), intent(inout), target, contiguous :: values(:,:,:,:)
    integer, intent(out) :: ierr
    integer(c_size_t) :: start(4)
    if (any(lo < 1)) then
      ierr = PLUME_ERR_INVALID_ARGUMENT
      return
    end if
    start = int(lo - 1, c_size_t)
    ierr = int(c_region_f64(codec%ptr, c_loc(stream), size(stream, kind=c_size_t), int(4, c_size_t), &
                             start, shape(values, kind=c_size_t), c_loc(values), size(values, kind=c_size_t)))
  end subroutine region_r8_4

  ! --- in-situ session --------------------------------------------------------------

  !> Starts a session on the MPI communicator `comm` (an integer handle, e.g.
  !> MPI_COMM_WORLD from `use mpi`; duplicated inside). Collective. `deck`: the solver's
  !> namelist/deck file holding a &plume group (or '' for none). On failure every rank gets
  !> the same ierr and plume_session_last_error(session) holds rank 0's message.
  subroutine plume_session_new(comm, deck, session, ierr)
    integer, intent(in) :: comm
    character(len=*), intent(in) :: deck
    type(plume_session), intent(out) :: session
    integer, intent(out) :: ierr
    if (len_trim(deck) == 0) then
      ierr = int(c_session_new_f(int(comm, c_int), c_null_char, session%ptr))
    else
      ierr = int(c_session_new_f(int(comm, c_int), trim(deck)//c_null_char, session%ptr))
    end if
  end subroutine plume_session_new

  !> Opens output step `step` at simulation time `time`.
  subroutine plume_session_begin_step(session, step, time, ierr)
    type(plume_session), intent(in) :: session
    integer, intent(in) :: step
    real(real64), intent(in) :: time
    integer, intent(out) :: ierr
    ierr = int(c_session_begin_step(session%ptr, int(step, c_int64_t), real(time, c_double)))
  end subroutine plume_session_begin_step

  !> Closes the step: labels, compresses and writes the snapshot. Collective.
  subroutine plume_session_end_step(session, ierr)
    type(plume_session), intent(in) :: session
    integer, intent(out) :: ierr
    ierr = int(c_session_end_step(session%ptr))
  end subroutine plume_session_end_step

  !> Cell-centre coordinates of global axis `axis` (1-based, in the order of the global
  !> dims given to plume_session_put) for the labeler's gradients on stretched grids.
  subroutine plume_session_set_coords(session, axis, coords, ierr)
    type(plume_session), intent(in) :: session
    integer, intent(in) :: axis
    real(real64), intent(in) :: coords(:)
    integer, intent(out) :: ierr
    ierr = int(c_session_set_coords(session%ptr, int(axis - 1, c_size_t), coords, &
                                    int(size(coords), c_size_t)))
  end subroutine plume_session_set_coords

  !> Region callbacks around every stage: `begin` and `end` are `bind(C)` subroutines
  !> `(name, user_data)` (`type(c_ptr), value` both; name a C string: plume.copy,
  !> plume.label, ...) given as `c_funloc(...)`, or `c_null_funptr` to remove them.
  subroutine plume_session_set_regions(session, begin, end, user_data, ierr)
    type(plume_session), intent(in) :: session
    type(c_funptr), intent(in) :: begin, end
    type(c_ptr), intent(in) :: user_data
    integer, intent(out) :: ierr
    ierr = int(c_session_set_regions(session%ptr, begin, end, user_data))
  end subroutine plume_session_set_regions

  !> Flushes, prints the profile on rank 0 and frees the session. Collective.
  subroutine plume_session_free(session, ierr)
    type(plume_session), intent(inout) :: session
    integer, intent(out) :: ierr
    ierr = int(c_session_free(session%ptr))
    session%ptr = c_null_ptr
  end subroutine plume_session_free

  !> The message of the session's last failed call (or of a failed plume_session_new).
  function plume_session_last_error(session) result(s)
    type(plume_session), intent(in) :: session
    character(len=:), allocatable :: s
    if (c_associated(session%ptr)) then
      s = from_c(c_session_last_error(session%ptr))
    else
      s = from_c(c_session_new_error())
    end if
  end function plume_session_last_error

  subroutine session_put_r4_1(session, name, values, lo, global_dims, ghost, ierr)
    type(plume_session), intent(in) :: session
    character(len=*), intent(in) :: name
    real(real32), intent(in), target, contiguous :: values(:)
    integer, intent(in) :: lo(1), global_dims(1), ghost
    integer, intent(out) :: ierr
    integer(c_size_t) :: local(1), offset(1), global(1)
    local = int(shape(values) - 2 * ghost, c_size_t)
    offset = int(lo - 1, c_size_t)
    global = int(global_dims, c_size_t)
    ierr = int(c_session_put_f32(session%ptr, trim(name)//c_null_char, c_loc(values), int(1, c_size_t), &
                                 local, offset, global, PLUME_ORDER_FORTRAN, int(ghost, c_size_t)))
  end subroutine session_put_r4_1

  subroutine session_put_r4_2(session, name, values, lo, global_dims, ghost, ierr)
    type(plume_session), intent(in) :: session
    character(len=*), intent(in) :: name
    real(real32), intent(in), target, contiguous :: values(:,:)
    integer, intent(in) :: lo(2), global_dims(2), ghost
    integer, intent(out) :: ierr
    integer(c_size_t) :: local(2), offset(2), global(2)
    local = int(shape(values) - 2 * ghost, c_size_t)
    offset = int(lo - 1, c_size_t)
    global = int(global_dims, c_size_t)
    ierr = int(c_session_put_f32(session%ptr, trim(name)//c_null_char, c_loc(values), int(2, c_size_t), &
                                 local, offset, global, PLUME_ORDER_FORTRAN, int(ghost, c_size_t)))
  end subroutine session_put_r4_2

  subroutine session_put_r4_3(session, name, values, lo, global_dims, ghost, ierr)
    type(plume_session), intent(in) :: session
    character(len=*), intent(in) :: name
    real(real32), intent(in), target, contiguous :: values(:,:,:)
    integer, intent(in) :: lo(3), global_dims(3), ghost
    integer, intent(out) :: ierr
    integer(c_size_t) :: local(3), offset(3), global(3)
    local = int(shape(values) - 2 * ghost, c_size_t)
    offset = int(lo - 1, c_size_t)
    global = int(global_dims, c_size_t)
    ierr = int(c_session_put_f32(session%ptr, trim(name)//c_null_char, c_loc(values), int(3, c_size_t), &
                                 local, offset, global, PLUME_ORDER_FORTRAN, int(ghost, c_size_t)))
  end subroutine session_put_r4_3

  subroutine session_put_r8_1(session, name, values, lo, global_dims, ghost, ierr)
    type(plume_session), intent(in) :: session
    character(len=*), intent(in) :: name
    real(real64), intent(in), target, contiguous :: values(:)
    integer, intent(in) :: lo(1), global_dims(1), ghost
    integer, intent(out) :: ierr
    integer(c_size_t) :: local(1), offset(1), global(1)
    local = int(shape(values) - 2 * ghost, c_size_t)
    offset = int(lo - 1, c_size_t)
    global = int(global_dims, c_size_t)
    ierr = int(c_session_put_f64(session%ptr, trim(name)//c_null_char, c_loc(values), int(1, c_size_t), &
                                 local, offset, global, PLUME_ORDER_FORTRAN, int(ghost, c_size_t)))
  end subroutine session_put_r8_1

  subroutine session_put_r8_2(session, name, values, lo, global_dims, ghost, ierr)
    type(plume_session), intent(in) :: session
    character(len=*), intent(in) :: name
    real(real64), intent(in), target, contiguous :: values(:,:)
    integer, intent(in) :: lo(2), global_dims(2), ghost
    integer, intent(out) :: ierr
    integer(c_size_t) :: local(2), offset(2), global(2)
    local = int(shape(values) - 2 * ghost, c_size_t)
    offset = int(lo - 1, c_size_t)
    global = int(global_dims, c_size_t)
    ierr = int(c_session_put_f64(session%ptr, trim(name)//c_null_char, c_loc(values), int(2, c_size_t), &
                                 local, offset, global, PLUME_ORDER_FORTRAN, int(ghost, c_size_t)))
  end subroutine session_put_r8_2

  subroutine session_put_r8_3(session, name, values, lo, global_dims, ghost, ierr)
    type(plume_session), intent(in) :: session
    character(len=*), intent(in) :: name
    real(real64), intent(in), target, contiguous :: values(:,:,:)
    integer, intent(in) :: lo(3), global_dims(3), ghost
    integer, intent(out) :: ierr
    integer(c_size_t) :: local(3), offset(3), global(3)
    local = int(shape(values) - 2 * ghost, c_size_t)
    offset = int(lo - 1, c_size_t)
    global = int(global_dims, c_size_t)
    ierr = int(c_session_put_f64(session%ptr, trim(name)//c_null_char, c_loc(values), int(3, c_size_t), &
                                 local, offset, global, PLUME_ORDER_FORTRAN, int(ghost, c_size_t)))
  end subroutine session_put_r8_3
end module plume
