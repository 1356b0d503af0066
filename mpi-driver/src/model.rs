//! The study's 3-D segmentation network (REFERENCE.md section 2), from one parameterised
//! definition: [`NetConfig`] holds every size, [`NetConfig::paper`] is the published model
//! exactly (1,111,221 parameters), [`NetConfig::small`] and [`NetConfig::tiny`] are CPU-sized.
//!
//! # Layout and the channels-last permutation
//! The study's tensors are channels-last, `(N, D=3, H=W, W, C=4)` (Keras). burn's `Conv3d`
//! is channels-first, `[N, C, D, H, W]`. [`Net::forward`] takes channels-first input (the
//! data pipeline assembles batches that way, no copy); [`Net::forward_channels_last`]
//! accepts the study's layout and applies `permute([0, 4, 1, 2, 3])` first. The depth-3 axis
//! (`D`) is the one strides never touch: strides are `(1, 2, 2)` on `(D, H, W)`.
//!
//! # 'same' padding, exactly as Keras/TensorFlow
//! Stride-1 convolutions pad 1 on each side. A stride-2 'same' convolution of an even
//! length pads 0 before and 1 after (TensorFlow's rule), so [`Net`] pads the H and W axes
//! by one zero at the end and convolves without padding there; the transposed convolution
//! is that operation's adjoint: a full (unpadded) transposed convolution whose last H and
//! W row is cropped. Shapes equal the symmetric-padding alternative's; the alignment of the
//! receptive field equals the published model's, so its weights would mean the same here.
//!
//! # Initialisation
//! Glorot-uniform kernels and zero biases (Keras' defaults), drawn from the run's seed by
//! [`crate::params::glorot_init`], independent of the backend.

use burn::module::Module;
use burn::nn::conv::{Conv3d, Conv3dConfig, ConvTranspose3d, ConvTranspose3dConfig};
use burn::nn::PaddingConfig3d;
use burn::tensor::activation::{leaky_relu, relu, softmax};
use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use plume_core::{Error, Result};

/// Every size of the network. All presets come from this one definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetConfig {
    /// Input channels (4: Y_H2, Y_O2, Y_H2O, Z).
    pub in_channels: usize,
    /// Output classes (5).
    pub n_classes: usize,
    /// Width of the full-resolution trunk and its residual blocks (16).
    pub trunk_channels: usize,
    /// Residual blocks before the autoencoder and again after it (12).
    pub res_blocks: usize,
    /// Output channels of each down stage (`[32, 64, 64]`); each stage halves H and W.
    /// The up path mirrors them.
    pub stage_channels: Vec<usize>,
    /// Channels of the latent code (32).
    pub latent_channels: usize,
    /// Negative slope of the autoencoder's LeakyReLU (0.2).
    pub leaky_slope: f64,
    /// Window edge `W` in cells (256): input `(N, depth, W, W, in_channels)`.
    pub window: usize,
    /// Window depth in cells (3); never resampled.
    pub depth: usize,
}

/// The named presets [`NetConfig::preset`] knows.
pub const PRESETS: [&str; 3] = ["paper", "small", "tiny"];

impl NetConfig {
    /// The published network: 1,111,221 parameters, 63 conv + 3 transposed conv layers.
    pub fn paper() -> Self {
        NetConfig {
            in_channels: 4,
            n_classes: 5,
            trunk_channels: 16,
            res_blocks: 12,
            stage_channels: vec![32, 64, 64],
            latent_channels: 32,
            leaky_slope: 0.2,
            window: 256,
            depth: 3,
        }
    }

    /// A CPU-sized network with the same structure: 2 + 2 blocks, 8-channel trunk,
    /// two stages, 32 x 32 x 3 windows.
    pub fn small() -> Self {
        NetConfig {
            trunk_channels: 8,
            res_blocks: 2,
            stage_channels: vec![16, 16],
            latent_channels: 8,
            window: 32,
            ..Self::paper()
        }
    }

    /// The smallest useful network (tests): 1 + 1 blocks, 4-channel trunk, one stage,
    /// 8 x 8 x 3 windows.
    pub fn tiny() -> Self {
        NetConfig {
            trunk_channels: 4,
            res_blocks: 1,
            stage_channels: vec![8],
            latent_channels: 4,
            window: 8,
            ..Self::paper()
        }
    }

    /// A preset by name (see [`PRESETS`]).
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "paper" => Ok(Self::paper()),
            "small" => Ok(Self::small()),
            "tiny" => Ok(Self::tiny()),
            other => {
                Err(Error::invalid(format!("unknown model preset '{other}' (known: {})", PRESETS.join(", "))))
            }
        }
    }

    /// Checks the sizes fit together: positive channels, at least one stage, and a window
    /// divisible by `2^stages`.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("in_channels", self.in_channels),
            ("n_classes", self.n_classes),
            ("trunk_channels", self.trunk_channels),
            ("latent_channels", self.latent_channels),
            ("window", self.window),
            ("depth", self.depth),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(Error::invalid(format!("model.{name} must be positive")));
            }
        }
        if self.stage_channels.is_empty() || self.stage_channels.contains(&0) {
            return Err(Error::invalid("model.stage_channels: need at least one positive entry"));
        }
        let f = 1usize << self.stage_channels.len();
        if !self.window.is_multiple_of(f) {
            return Err(Error::invalid(format!(
                "model.window {} must be divisible by 2^stages = {f}",
                self.window
            )));
        }
        if !(self.leaky_slope.is_finite() && self.leaky_slope >= 0.0) {
            return Err(Error::invalid("model.leaky_slope must be finite and >= 0"));
        }
        Ok(())
    }

    /// The number of trainable parameters, from the sizes alone.
    pub fn n_params(&self) -> usize {
        let conv = |i: usize, o: usize| 27 * i * o + o;
        let t = self.trunk_channels;
        let mut n = conv(self.in_channels, t) + 2 * self.res_blocks * conv(t, t) + conv(t, t);
        let mut c = t;
        for &o in &self.stage_channels {
            n += conv(c, c) + conv(c, o);
            c = o;
        }
        n += conv(c, self.latent_channels) + conv(self.latent_channels, c);
        for (k, &o) in self.stage_channels.iter().enumerate().rev() {
            let back = if k == 0 { t } else { self.stage_channels[k - 1] };
            debug_assert_eq!(o, c);
            n += conv(o, back) + conv(back, back);
            c = back;
        }
        n + 2 * self.res_blocks * conv(t, t) + conv(t, t) + conv(t, self.n_classes)
    }

    /// Builds the network on `device` with placeholder weights; [`crate::params::glorot_init`]
    /// then draws the real ones from the seed.
    pub fn init(&self, device: &Device) -> Result<Net> {
        self.validate()?;
        let t = self.trunk_channels;
        let same = |i: usize, o: usize| {
            Conv3dConfig::new([i, o], [3, 3, 3]).with_padding(PaddingConfig3d::Explicit(1, 1, 1)).init(device)
        };
        let strided = |i: usize, o: usize| {
            Conv3dConfig::new([i, o], [3, 3, 3])
                .with_stride([1, 2, 2])
                .with_padding(PaddingConfig3d::Explicit(1, 0, 0))
                .init(device)
        };
        let transposed = |i: usize, o: usize| {
            ConvTranspose3dConfig::new([i, o], [3, 3, 3])
                .with_stride([1, 2, 2])
                .with_padding([1, 0, 0])
                .init(device)
        };
        let blocks = |n: usize| (0..n).map(|_| ResBlock { conv_a: same(t, t), conv_b: same(t, t) }).collect();
        let mut down = Vec::new();
        let mut c = t;
        for &o in &self.stage_channels {
            down.push(DownStage { conv_stride: strided(c, c), conv: same(c, o) });
            c = o;
        }
        let conv_out = same(c, self.latent_channels);
        let conv_in_up = same(self.latent_channels, c);
        let mut up = Vec::new();
        for k in (0..self.stage_channels.len()).rev() {
            let back = if k == 0 { t } else { self.stage_channels[k - 1] };
            up.push(UpStage { conv: same(c, back), conv_transposed: transposed(back, back) });
            c = back;
        }
        Ok(Net {
            conv_1: same(self.in_channels, t),
            blocks_in: blocks(self.res_blocks),
            conv_2: same(t, t),
            down,
            conv_out,
            conv_in_up,
            up,
            blocks_out: blocks(self.res_blocks),
            conv_3: same(t, t),
            conv_classes: same(t, self.n_classes),
            leaky_slope: self.leaky_slope,
        })
    }
}

/// A residual block: conv relu, conv linear, add the block's input (no activation after).
#[derive(Module, Debug)]
pub struct ResBlock {
    conv_a: Conv3d,
    conv_b: Conv3d,
}

/// A down stage: strided conv (1,2,2) then conv, each followed by LeakyReLU.
#[derive(Module, Debug)]
pub struct DownStage {
    conv_stride: Conv3d,
    conv: Conv3d,
}

/// An up stage: conv then transposed conv (1,2,2), each followed by LeakyReLU.
#[derive(Module, Debug)]
pub struct UpStage {
    conv: Conv3d,
    conv_transposed: ConvTranspose3d,
}

/// The network. Built by [`NetConfig::init`].
#[derive(Module, Debug)]
pub struct Net {
    conv_1: Conv3d,
    blocks_in: Vec<ResBlock>,
    conv_2: Conv3d,
    down: Vec<DownStage>,
    conv_out: Conv3d,
    conv_in_up: Conv3d,
    up: Vec<UpStage>,
    blocks_out: Vec<ResBlock>,
    conv_3: Conv3d,
    conv_classes: Conv3d,
    #[module(skip)]
    leaky_slope: f64,
}

/// One layer's name and output shape, channels-first `[N, C, D, H, W]`.
pub type LayerShape = (String, [usize; 5]);

impl ResBlock {
    fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        self.conv_b.forward(relu(self.conv_a.forward(x.clone()))) + x
    }
}

/// Stride-2 'same' convolution with TensorFlow's alignment: one zero after the end of H and W.
fn conv_stride_same(conv: &Conv3d, x: Tensor<5>) -> Tensor<5> {
    conv.forward(x.pad([(0, 1), (0, 1)], PadMode::Constant(0.0)))
}

/// The adjoint of [`conv_stride_same`]: full transposed convolution, last H and W cropped.
fn conv_transposed_same(conv: &ConvTranspose3d, x: Tensor<5>) -> Tensor<5> {
    let y = conv.forward(x);
    let [n, c, d, h, w] = y.dims();
    y.slice([0..n, 0..c, 0..d, 0..h - 1, 0..w - 1])
}

impl Net {
    /// Logits `[N, n_classes, D, H, W]` of a channels-first batch `[N, in_channels, D, H, W]`.
    pub fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        self.forward_traced(x, &mut None)
    }

    /// [`Net::forward`] for the study's channels-last layout `(N, D, H, W, C)`; returns
    /// channels-last logits `(N, D, H, W, n_classes)`.
    pub fn forward_channels_last(&self, x: Tensor<5>) -> Tensor<5> {
        self.forward(x.permute([0, 4, 1, 2, 3])).permute([0, 2, 3, 4, 1])
    }

    /// Class probabilities: softmax over the class axis (axis 1) of the logits. Only for
    /// inference: the loss takes logits.
    pub fn predict(&self, x: Tensor<5>) -> Tensor<5> {
        softmax(self.forward(x), 1)
    }

    /// [`Net::forward`] that records every layer's output shape into `trace` when it is
    /// `Some` (names as in REFERENCE.md: conv_1, res_in.k.a/b/add, ...).
    pub fn forward_traced(&self, x: Tensor<5>, trace: &mut Option<Vec<LayerShape>>) -> Tensor<5> {
        let mut rec = |name: &str, t: &Tensor<5>| {
            if let Some(v) = trace.as_mut() {
                v.push((name.to_string(), t.dims()));
            }
        };
        let slope = self.leaky_slope;
        let s0 = relu(self.conv_1.forward(x));
        rec("conv_1", &s0);
        let mut h = s0.clone();
        for (k, b) in self.blocks_in.iter().enumerate() {
            h = b.forward(h);
            rec(&format!("res_in.{k}"), &h);
        }
        h = relu(self.conv_2.forward(h)) + s0;
        rec("conv_2+S0", &h);
        for (k, s) in self.down.iter().enumerate() {
            h = leaky_relu(conv_stride_same(&s.conv_stride, h), slope);
            rec(&format!("down.{k}.conv_stride"), &h);
            h = leaky_relu(s.conv.forward(h), slope);
            rec(&format!("down.{k}.conv"), &h);
        }
        h = self.conv_out.forward(h);
        rec("latent", &h);
        h = self.conv_in_up.forward(h);
        rec("up_in", &h);
        for (k, s) in self.up.iter().enumerate() {
            h = leaky_relu(s.conv.forward(h), slope);
            rec(&format!("up.{k}.conv"), &h);
            h = leaky_relu(conv_transposed_same(&s.conv_transposed, h), slope);
            rec(&format!("up.{k}.conv_transposed"), &h);
        }
        let s1 = h.clone();
        for (k, b) in self.blocks_out.iter().enumerate() {
            h = b.forward(h);
            rec(&format!("res_out.{k}"), &h);
        }
        h = self.conv_3.forward(h) + s1;
        rec("conv_3+S1", &h);
        let logits = self.conv_classes.forward(h);
        rec("logits", &logits);
        logits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_parameter_count_is_the_published_one() {
        assert_eq!(NetConfig::paper().n_params(), 1_111_221);
    }

    #[test]
    fn paper_layers_have_the_published_shapes_and_parameters() {
        use burn::module::Module;
        let cfg = NetConfig::paper();
        let device = Device::flex();
        let net = cfg.init(&device).unwrap();
        assert_eq!(net.num_params(), 1_111_221);
        let x = Tensor::<5>::zeros([1, 4, 3, 256, 256], &device);
        let mut trace = Some(Vec::new());
        let y = net.forward_traced(x, &mut trace);
        assert_eq!(y.dims(), [1, 5, 3, 256, 256]);
        let trace = trace.unwrap();
        // Expected: name -> (C, H) with N = 1, D = 3, W = H.
        let mut want: Vec<(String, usize, usize)> = vec![("conv_1".into(), 16, 256)];
        want.extend((0..12).map(|k| (format!("res_in.{k}"), 16, 256)));
        want.push(("conv_2+S0".into(), 16, 256));
        for (k, (c_in, c_out, h)) in [(16, 32, 128), (32, 64, 64), (64, 64, 32)].into_iter().enumerate() {
            want.push((format!("down.{k}.conv_stride"), c_in, h));
            want.push((format!("down.{k}.conv"), c_out, h));
        }
        want.push(("latent".into(), 32, 32));
        want.push(("up_in".into(), 64, 32));
        for (k, (c, h)) in [(64, 64), (32, 128), (16, 256)].into_iter().enumerate() {
            want.push((format!("up.{k}.conv"), c, h / 2));
            want.push((format!("up.{k}.conv_transposed"), c, h));
        }
        want.extend((0..12).map(|k| (format!("res_out.{k}"), 16, 256)));
        want.push(("conv_3+S1".into(), 16, 256));
        want.push(("logits".into(), 5, 256));
        assert_eq!(trace.len(), want.len());
        for ((name, dims), (wn, c, h)) in trace.iter().zip(&want) {
            assert_eq!(name, wn);
            assert_eq!(*dims, [1, *c, 3, *h, *h], "{name}");
        }
        // 63 conv + 3 transposed conv layers.
        let n_conv = 1 + 24 + 1 + 6 + 1 + 1 + 3 + 24 + 1 + 1;
        assert_eq!(n_conv, 63);
        assert_eq!(crate::params::shapes(&net).len(), 2 * (63 + 3));
    }

    #[test]
    fn channels_last_forward_is_the_permuted_channels_first_one() {
        let cfg = NetConfig::tiny();
        let device = Device::flex();
        let net = cfg.init(&device).unwrap();
        let x: Vec<f32> = (0..2 * 4 * 3 * 8 * 8).map(|i| ((i * 7919) % 101) as f32 / 101.0).collect();
        let xf = Tensor::<5>::from_data(burn::tensor::TensorData::new(x, [2, 4, 3, 8, 8]), &device);
        let a = net.forward(xf.clone()).permute([0, 2, 3, 4, 1]).into_data();
        let b = net.forward_channels_last(xf.permute([0, 2, 3, 4, 1])).into_data();
        assert_eq!(a, b);
        let p = net.predict(Tensor::<5>::zeros([1, 4, 3, 8, 8], &device));
        let s: f32 = p.sum_dim(1).mean().into_scalar();
        assert!((s - 1.0).abs() < 1e-5);
    }

    #[test]
    fn presets_validate_and_unknown_is_rejected() {
        for p in PRESETS {
            NetConfig::preset(p).unwrap().validate().unwrap();
        }
        let e = NetConfig::preset("huge").unwrap_err();
        assert!(e.to_string().contains("huge"));
        let bad = NetConfig { window: 10, ..NetConfig::small() };
        assert!(bad.validate().is_err());
    }
}
