#include "common/model/svg_flops.hpp"

#include "common/model/output_head.hpp"

namespace foresight {
namespace {

int64_t conv(int64_t in, int64_t out, int64_t k, int64_t res) {
  return res * res * out * in * k * k;
}

int64_t lstm(int64_t in, int64_t hidden, int64_t out_dims, int64_t layers) {
  return in * hidden + layers * 2 * 4 * hidden * hidden + hidden * out_dims;
}

}  // namespace

SvgMacs count_svg_macs(const SvgConfig& c) {
  const int64_t w1 = c.channels_for(64), w2 = c.channels_for(128), w3 = c.channels_for(256),
                w4 = c.channels_for(512);
  SvgMacs m;
  m.encoder = conv(c.channels, w1, 3, 64) + conv(w1, w1, 3, 64) + conv(w1, w2, 3, 32) +
              conv(w2, w2, 3, 32) + conv(w2, w3, 3, 16) + 2 * conv(w3, w3, 3, 16) +
              conv(w3, w4, 3, 8) + 2 * conv(w4, w4, 3, 8) + conv(w4, c.g_dim, 4, 1);
  // The first transposed conv maps 1x1 to 4x4: every output pixel sees every input channel once.
  m.decoder = conv(c.g_dim, w4, 1, 4) + conv(2 * w4, w4, 3, 8) + conv(w4, w4, 3, 8) +
              conv(w4, w3, 3, 8) + conv(2 * w3, w3, 3, 16) + conv(w3, w3, 3, 16) +
              conv(w3, w2, 3, 16) + conv(2 * w2, w2, 3, 32) + conv(w2, w1, 3, 32) +
              conv(2 * w1, w1, 3, 64) + conv(w1, decoder_head_channels(c.decoder), 3, 64);
  m.lstms = lstm(c.g_dim + c.z_dim + c.cond_dim, c.rnn_size, c.g_dim, c.predictor_layers) +
            lstm(c.g_dim, c.rnn_size, 2 * c.z_dim, c.posterior_layers) +
            (c.learned_prior ? lstm(c.g_dim, c.rnn_size, 2 * c.z_dim, c.prior_layers) : 0);
  return m;
}

}  // namespace foresight
