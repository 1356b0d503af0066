//! One data-parallel optimiser step, independent of where batches come from: the network,
//! its flat parameters, Adam, and the communicator. [`crate::train::Trainer`] feeds it
//! decoded windows; [`crate::bench`] and [`crate::selftest`] feed it synthetic batches.

use burn::tensor::{Device, Tensor, TensorData};

use plume_core::Result;

use crate::comm::Collective;
use crate::loss::{cross_entropy, weighted_one_hot};
use crate::model::{Net, NetConfig};
use crate::optim::{Adam, AdamConfig};
use crate::params;

/// Builds a `[n, C, D, W, W]` tensor from a host batch.
pub fn batch_tensor(x: Vec<f32>, n: usize, c: usize, d: usize, w: usize, device: &Device) -> Tensor<5> {
    Tensor::from_data(TensorData::new(x, [n, c, d, w, w]), device)
}

/// The network being trained on one rank.
pub struct Stepper<'a> {
    /// Sizes.
    pub net_config: NetConfig,
    /// The communicator.
    pub comm: &'a dyn Collective,
    /// The training device (flex with autodiff).
    pub device: Device,
    net: Option<Net>,
    /// Flat parameters (identical on every rank).
    pub params: Vec<f32>,
    /// Optimiser state.
    pub adam: Adam,
    /// Loss weight per class.
    pub weights: Vec<f32>,
}

impl std::fmt::Debug for Stepper<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stepper")
            .field("net_config", &self.net_config)
            .field("n_params", &self.params.len())
            .finish()
    }
}

impl<'a> Stepper<'a> {
    /// A fresh network: Glorot init from `seed` on rank 0, broadcast to every rank.
    pub fn fresh(
        net_config: NetConfig,
        adam: AdamConfig,
        weights: Vec<f32>,
        seed: u64,
        comm: &'a dyn Collective,
    ) -> Result<Self> {
        let device = Device::flex().autodiff();
        let net = net_config.init(&device)?;
        let shapes = params::shapes(&net);
        let n: usize = shapes.iter().map(|s| s.iter().product::<usize>()).sum();
        let mut flat = if comm.rank() == 0 { params::glorot_init(&shapes, seed) } else { vec![0.0; n] };
        comm.broadcast_f32(&mut flat);
        let net = params::load(net, &flat, &device);
        Ok(Stepper {
            net_config,
            comm,
            device,
            net: Some(net),
            params: flat,
            adam: Adam::new(adam, n),
            weights,
        })
    }

    /// Replaces parameters and optimiser state (resume).
    pub fn restore(&mut self, params_flat: Vec<f32>, adam: Adam) {
        let net = self.net.take().expect("network present");
        self.net = Some(params::load(net, &params_flat, &self.device));
        self.params = params_flat;
        self.adam = adam;
    }

    /// The network (autodiff device).
    pub fn net(&self) -> &Net {
        self.net.as_ref().expect("network present between steps")
    }

    /// One step on this rank's `n_local` samples `[n, C, D, W, W]` with labels
    /// `[n, D, W, W]`; returns the global batch's loss (identical on every rank).
    pub fn train_step(&mut self, x: Vec<f32>, y: &[u8], n_local: usize, lr: f64) -> f32 {
        let nc = &self.net_config;
        let (d, w) = (nc.depth, nc.window);
        let xt = batch_tensor(x, n_local, nc.in_channels, d, w, &self.device);
        let target = weighted_one_hot(y, n_local, [d, w, w], &self.weights, &self.device);
        let net = self.net.take().expect("network present");
        let loss = cross_entropy(net.forward(xt), target);
        let grads = loss.backward();
        let mut buf = params::flatten_grads(&net, &grads);
        let local_loss: f32 = loss.into_scalar();
        buf.push(local_loss);
        // ONE allreduce: every gradient and the loss in one buffer.
        self.comm.allreduce_sum_f32(&mut buf);
        let inv = 1.0 / self.comm.size() as f32;
        buf.iter_mut().for_each(|g| *g *= inv);
        let global_loss = buf.pop().unwrap_or(f32::NAN);
        self.adam.step(&mut self.params, &buf, lr);
        self.net = Some(params::load(net, &self.params, &self.device));
        global_loss
    }
}
