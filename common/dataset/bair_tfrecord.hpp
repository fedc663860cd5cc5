// The real BAIR robot-pushing data (softmotion30_44k, Ebert et al. 2017) from its TFRecord files
// into the converted layout of dataset_format.hpp, without TensorFlow. SRC holds train/ and test/
// with traj_<a>_to_<b>.tfrecords files of 256 sequences each; every record is a tf.train.Example
// with, for frame i = 0..29: i/image_aux1/encoded and i/image_main/encoded (12288 raw bytes,
// 64x64x3 row-major RGB), i/action (4 floats), i/endeffector_pos (3 floats).
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "common/dataset/tf_example.hpp"

namespace foresight {

struct BairSequence {
  std::vector<cv::Mat> frames;  // CV_8UC3, R,G,B, 64x64
  std::vector<std::array<float, 4>> actions;
  std::vector<std::array<float, 3>> positions;
};

// One record's sequence from camera "aux1" (SVG's choice) or "main". Frames are counted from
// 0 while i/image_<camera>/encoded exists. Throws std::runtime_error naming the key: a missing
// key, an image that is not 12288 bytes, a wrong count of floats, no frame at all.
BairSequence decode_bair_example(const TfExample& example, const std::string& camera);

struct BairConvertOptions {
  std::filesystem::path src;  // the unpacked softmotion30_44k folder (train/, test/)
  std::filesystem::path out;  // ROOT of the converted layout
  int validate = 256;         // the last N train sequences (in file and record order) -> validate/
  std::string camera = "aux1";
  int threads = 0;        // files converted in parallel (0: all cores)
  bool skip_bad = false;  // count and skip bad records instead of stopping
};

struct BairConvertSummary {
  int64_t sequences[3] = {0, 0, 0};  // per split (train, validate, test), as data check counts
  int64_t converted = 0;             // written by this run
  int64_t already_there = 0;         // left as they were (a restarted conversion)
  int64_t bad = 0;                   // skipped records (skip_bad)
  double seconds = 0.0;
};

// Converts every record of SRC/train and SRC/test (files in natural order). Each sequence is
// written to a staging folder and renamed into ROOT/<split>/traj_<a>_to_<b>/<index>/, so a
// killed conversion leaves only whole sequences, and running it again skips them. Throws
// DatasetError "FILE: record N: ..." for a truncated record, a checksum mismatch, a missing key,
// an image of the wrong size or a wrong count of floats (unless skip_bad), and
// std::invalid_argument for bad options.
BairConvertSummary convert_bair(const BairConvertOptions& options);

}  // namespace foresight
