//! The collectives data-parallel training needs, behind one trait: [`SerialComm`] for one
//! process (unit tests, `cargo test`) and [`MpiComm`] over an MPI communicator (rsmpi).
//!
//! Gradients travel as ONE contiguous `f32` buffer per step ([`Collective::allreduce_sum_f32`]),
//! never one call per tensor.

use mpi::collective::SystemOperation;
use mpi::traits::{Communicator, CommunicatorCollectives, Root};

/// Rank, size and the four collectives the trainer uses. Every rank must call each
/// collective in the same order with buffers of the same length.
pub trait Collective {
    /// This process's rank, `0..size()`.
    fn rank(&self) -> usize;
    /// The number of processes.
    fn size(&self) -> usize;
    /// Element-wise sum over all ranks, in place.
    fn allreduce_sum_f32(&self, buf: &mut [f32]);
    /// Element-wise sum over all ranks, in place.
    fn allreduce_sum_f64(&self, buf: &mut [f64]);
    /// Element-wise maximum over all ranks, in place.
    fn allreduce_max_f64(&self, buf: &mut [f64]);
    /// Rank 0's values replace every rank's.
    fn broadcast_f32(&self, buf: &mut [f32]);
    /// Waits for every rank.
    fn barrier(&self);
}

/// One process: every collective is the identity.
#[derive(Debug, Default, Clone, Copy)]
pub struct SerialComm;

impl Collective for SerialComm {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn allreduce_sum_f32(&self, _buf: &mut [f32]) {}
    fn allreduce_sum_f64(&self, _buf: &mut [f64]) {}
    fn allreduce_max_f64(&self, _buf: &mut [f64]) {}
    fn broadcast_f32(&self, _buf: &mut [f32]) {}
    fn barrier(&self) {}
}

/// MPI_COMM_WORLD (or any communicator) through rsmpi.
#[derive(Debug)]
pub struct MpiComm<C: Communicator> {
    comm: C,
}

impl<C: Communicator> MpiComm<C> {
    /// Wraps a communicator.
    pub fn new(comm: C) -> Self {
        MpiComm { comm }
    }

    /// Ends every process of the job (MPI_Abort) with `code`: a failing rank must not
    /// leave the others waiting in a collective.
    pub fn abort(&self, code: i32) -> ! {
        self.comm.abort(code)
    }
}

impl<C: Communicator> Collective for MpiComm<C> {
    fn rank(&self) -> usize {
        self.comm.rank() as usize
    }
    fn size(&self) -> usize {
        self.comm.size() as usize
    }
    fn allreduce_sum_f32(&self, buf: &mut [f32]) {
        if self.size() > 1 {
            let send = buf.to_vec();
            self.comm.all_reduce_into(&send[..], buf, SystemOperation::sum());
        }
    }
    fn allreduce_sum_f64(&self, buf: &mut [f64]) {
        if self.size() > 1 {
            let send = buf.to_vec();
            self.comm.all_reduce_into(&send[..], buf, SystemOperation::sum());
        }
    }
    fn allreduce_max_f64(&self, buf: &mut [f64]) {
        if self.size() > 1 {
            let send = buf.to_vec();
            self.comm.all_reduce_into(&send[..], buf, SystemOperation::max());
        }
    }
    fn broadcast_f32(&self, buf: &mut [f32]) {
        if self.size() > 1 {
            self.comm.process_at_rank(0).broadcast_into(buf);
        }
    }
    fn barrier(&self) {
        self.comm.barrier();
    }
}
