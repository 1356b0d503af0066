//! The network's parameters as ONE flat `f32` vector, in the module's visiting order
//! (identical on every rank): read them, write them back, read the gradients of a backward
//! pass, initialise them (Glorot-uniform kernels, zero biases). The optimiser
//! ([`crate::optim`]), MPI (one allreduce of one buffer per step, one broadcast of the
//! initial weights) and checkpoints all work on this vector.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Gradients, Tensor, TensorData};

use crate::model::Net;
use crate::rng::SplitMix64;

/// Reads every float parameter into one vector (visiting order).
pub fn flatten(net: &Net) -> Vec<f32> {
    struct V(Vec<f32>);
    impl ModuleVisitor for V {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let data = param.val().into_data().convert::<f32>();
            self.0.extend_from_slice(data.as_slice::<f32>().expect("f32 after convert"));
        }
    }
    let mut v = V(Vec::with_capacity(net.num_params()));
    net.visit(&mut v);
    v.0
}

/// The shapes of the float parameters, in visiting order.
pub fn shapes(net: &Net) -> Vec<Vec<usize>> {
    struct V(Vec<Vec<usize>>);
    impl ModuleVisitor for V {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.val().dims().to_vec());
        }
    }
    let mut v = V(Vec::new());
    net.visit(&mut v);
    v.0
}

/// Replaces every float parameter with its slice of `flat` (on `device`, requiring
/// gradients when the device has autodiff). `flat.len()` must equal [`Module::num_params`].
pub fn load(net: Net, flat: &[f32], device: &Device) -> Net {
    struct M<'a> {
        flat: &'a [f32],
        pos: usize,
        device: &'a Device,
    }
    impl ModuleMapper for M<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let dims = param.val().dims();
            let n: usize = dims.iter().product();
            let vals = self.flat[self.pos..self.pos + n].to_vec();
            self.pos += n;
            let autodiff = self.device.is_autodiff();
            let device = self.device;
            // `Param::map` keeps the id; require_grad must be set again on the new leaf.
            param.map(move |_| {
                Tensor::<D>::from_data(TensorData::new(vals, dims), device).set_require_grad(autodiff)
            })
        }
    }
    assert_eq!(flat.len(), net.num_params(), "flat parameter vector length");
    let mut m = M { flat, pos: 0, device };
    net.map(&mut m)
}

/// The gradients of every float parameter after `loss.backward()`, flattened in visiting
/// order (zeros for a parameter the loss does not depend on).
pub fn flatten_grads(net: &Net, grads: &Gradients) -> Vec<f32> {
    struct V<'a>(Vec<f32>, &'a Gradients);
    impl ModuleVisitor for V<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let t = param.val();
            match t.grad(self.1) {
                Some(g) => {
                    let data = g.into_data().convert::<f32>();
                    self.0.extend_from_slice(data.as_slice::<f32>().expect("f32 after convert"));
                }
                None => self.0.extend(std::iter::repeat_n(0.0f32, t.dims().iter().product())),
            }
        }
    }
    let mut v = V(Vec::with_capacity(net.num_params()), grads);
    net.visit(&mut v);
    v.0
}

/// Keras' defaults from the seed: every kernel (rank 5, `[a, b, k, k, k]` for both conv and
/// transposed conv) Glorot-uniform with limit `sqrt(6 / ((a + b) k^3))`, every bias zero.
/// Backend-independent; one stream per run.
pub fn glorot_init(shapes: &[Vec<usize>], seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64::derive(seed, b"glorot", 0);
    let mut flat = Vec::new();
    for dims in shapes {
        let n: usize = dims.iter().product();
        if dims.len() == 5 {
            let receptive: usize = dims[2..].iter().product();
            let limit = (6.0 / ((dims[0] + dims[1]) * receptive) as f64).sqrt();
            flat.extend((0..n).map(|_| ((rng.next_f64() * 2.0 - 1.0) * limit) as f32));
        } else {
            flat.extend(std::iter::repeat_n(0.0f32, n));
        }
    }
    flat
}

/// An order-sensitive checksum of a parameter vector (FNV-1a over the bit patterns):
/// equal on two ranks exactly when their weights are bit-identical.
pub fn checksum(flat: &[f32]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for v in flat {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}
