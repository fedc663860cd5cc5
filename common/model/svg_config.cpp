#include "common/model/svg_config.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace foresight {

int SvgConfig::channels_for(int base) const {
  return std::max(1, static_cast<int>(std::lround(base * width)));
}

void SvgConfig::validate() const {
  auto require = [](bool ok, const char* field, const char* why) {
    if (!ok) throw std::invalid_argument(std::string("model config: ") + field + " " + why);
  };
  require(image_size == 64, "image_size", "must be 64 (the VGG-64 encoder)");
  require(channels == 3, "channels", "must be 3");
  require(cond_dim >= 0, "cond_dim", "must be >= 0");
  require(g_dim > 0 && z_dim > 0 && rnn_size > 0, "g_dim/z_dim/rnn_size", "must be > 0");
  require(predictor_layers > 0 && posterior_layers > 0 && prior_layers > 0, "*_layers",
          "must be > 0");
  require(width > 0 && width <= 4, "width", "must be in (0, 4]");
  require(n_past >= 1, "n_past", "must be >= 1");
  require(logvar_min < logvar_max, "logvar_min", "must be < logvar_max");
  require(cond_mean.empty() || static_cast<int>(cond_mean.size()) == cond_dim, "cond_mean",
          "must be empty or have cond_dim numbers");
  require(cond_std.size() == cond_mean.size(), "cond_std",
          "must have as many numbers as cond_mean");
  for (double s : cond_std) require(s > 0, "cond_std", "must be > 0");
  require(decoder != DecoderHead::kAction || cond_dim > 0, "decoder",
          "action needs conditions (cond_dim > 0)");
  require(!latent_motion || decoder == DecoderHead::kAction, "latent_motion",
          "needs the action decoder head");
  require(!latent_shift || decoder == DecoderHead::kAction, "latent_shift",
          "needs the action decoder head");
  require(!(latent_shift && latent_motion), "latent_shift", "excludes latent_motion");
}

// One field per line: clang-format does not settle on a layout for X-macro lists.
// clang-format off
#define FORESIGHT_SVG_FIELDS(X)                                                                    \
  X(image_size)                                                                                    \
  X(channels)                                                                                      \
  X(cond_dim)                                                                                      \
  X(g_dim)                                                                                         \
  X(z_dim)                                                                                         \
  X(rnn_size)                                                                                      \
  X(predictor_layers)                                                                              \
  X(posterior_layers)                                                                              \
  X(prior_layers)                                                                                  \
  X(width)                                                                                         \
  X(learned_prior)                                                                                 \
  X(last_frame_skip)                                                                               \
  X(latent_motion)                                                                                 \
  X(latent_shift)                                                                                  \
  X(n_past)                                                                                        \
  X(logvar_min)                                                                                    \
  X(logvar_max)                                                                                    \
  X(cond_mean)                                                                                     \
  X(cond_std)
// clang-format on

void to_json(nlohmann::json& j, const SvgConfig& c) {
  j = nlohmann::json::object();
#define X(f) j[#f] = c.f;
  FORESIGHT_SVG_FIELDS(X)
#undef X
  j["decoder"] = to_string(c.decoder);
}

void from_json(const nlohmann::json& j, SvgConfig& c) {
#define X(f) \
  if (j.contains(#f)) j.at(#f).get_to(c.f);
  FORESIGHT_SVG_FIELDS(X)
#undef X
  // Models written before the decoder heads existed paint every pixel (the plain head).
  c.decoder = j.contains("decoder") ? parse_decoder_head(j.at("decoder").get<std::string>())
                                    : DecoderHead::kPlain;
}

}  // namespace foresight
