// libFuzzer target for the wire protocol's decoders (docs/protocol.md). The same input is read as
// a binary stream (StreamDecoder, chunked), as one binary message (decode) and as JSON lines
// (JsonLineDecoder, parse_json_line). ProtocolError is the only acceptable failure: any other
// exception, a sanitizer report, or a decoded message that does not survive a re-encode in both
// modes is a bug. Built without libFuzzer (GCC), main() below replays corpus files instead.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/protocol/binary_codec.hpp"
#include "common/protocol/json_line_decoder.hpp"
#include "common/protocol/json_lines.hpp"
#include "common/protocol/protocol_error.hpp"

namespace {

using namespace foresight;

// Small limit: the fuzzer should reach too_large, and big inputs should not slow it down.
constexpr std::size_t kFuzzMaxMessageBytes = 64 * 1024;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "protocol_fuzzer: %s\n", what);
    std::abort();
  }
}

// Whatever the decoders accept, the encoders must write and the decoders read back unchanged.
void check_round_trip(const Envelope& env) {
  try {
    const std::vector<uint8_t> bytes = encode(env);
    require(decode(bytes.data(), bytes.size(), bytes.size()) == env, "binary round trip differs");
    require(parse_json_line(to_json_line(env)) == env, "JSON round trip differs");
  } catch (const ProtocolError& e) {
    std::fprintf(stderr, "protocol_fuzzer: a decoded message fails to re-encode: %s\n", e.what());
    std::abort();
  }
}

template <typename Decoder>
void drain(Decoder& decoder) {
  for (;;) {
    try {
      std::optional<Envelope> env = decoder.next();
      if (!env) return;
      check_round_trip(*env);
    } catch (const ProtocolError& e) {
      // A fatal error must leave the decoder failed; a recoverable one must not.
      require(decoder.failed() == is_fatal(e.code()), "failed() disagrees with is_fatal()");
      if (decoder.failed()) return;
    }
  }
}

template <typename Decoder>
void feed_in_chunks(Decoder& decoder, const uint8_t* data, std::size_t size) {
  // Chunk size from the input length: the same bytes are also split differently by other inputs.
  const std::size_t chunk = size % 17 + 1;
  for (std::size_t at = 0; at < size; at += chunk) {
    decoder.feed(data + at, std::min(chunk, size - at));
    drain(decoder);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  StreamDecoder binary(kFuzzMaxMessageBytes);
  feed_in_chunks(binary, data, size);

  try {
    check_round_trip(decode(data, size, kFuzzMaxMessageBytes));
  } catch (const ProtocolError&) {
  }

  JsonLineDecoder lines(kFuzzMaxMessageBytes);
  feed_in_chunks(lines, data, size);

  try {
    check_round_trip(parse_json_line(std::string_view(reinterpret_cast<const char*>(data), size)));
  } catch (const ProtocolError&) {
  }
  return 0;
}

#ifdef FORESIGHT_FUZZ_REPLAY_MAIN
// Without libFuzzer: run every file named on the command line (directories: every file in them,
// recursively) through the target once. Exit status 0 means none crashed.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace {
int replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "protocol_fuzzer: cannot read %s\n", file.c_str());
    return 1;
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  int failures = 0, runs = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    if (!arg.empty() && arg.string()[0] == '-') continue;  // libFuzzer flags: not ours to honour
    if (fs::is_directory(arg)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg))
        if (entry.is_regular_file()) failures += replay(entry.path()), ++runs;
    } else {
      failures += replay(arg), ++runs;
    }
  }
  std::printf("protocol_fuzzer: replayed %d inputs\n", runs);
  return failures == 0 ? 0 : 1;
}
#endif
