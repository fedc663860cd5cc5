// Writes the dance world in the pose layout of the seed report
// (common/dataset/pose_clip_reader.hpp): ROOT/{train,val}/{train,val}_img/frameN.png and
// ROOT/{train,val}/{train,val}_label/frameN.png. The training split is one long video made of
// dancers of `dancer_frames` frames each, one after the other, the validation split one dancer;
// every dancer is a different character and scene
// with its own seed derived from (seed, split, index), so the bytes do not depend on the thread
// count.
#pragma once
#include <cstdint>
#include <filesystem>

#include "common/dataset/pose_clip_reader.hpp"

namespace foresight {

struct DanceDatasetOptions {
  std::filesystem::path out;
  int train_frames = 640 * 16;
  int val_frames = 630;
  // Frames per training dancer; a multiple of the training clip length (16 in the paper preset, 8
  // in the tiny one) keeps every clip inside one dancer. Fewer frames per dancer means
  // more dancers in the same number of frames: more appearances to generalise from.
  int dancer_frames = 640;
  int height = kPoseHeight, width = kPoseWidth;
  uint64_t seed = 1;
  int threads = 0;  // 0: all cores
};

// Generates every dancer on worker threads with a progress bar. Each split is written to a
// staging folder under `out` and renamed into place once complete (a split already there is
// replaced; a split of 0 frames is left alone), so readers never see a partial split. Throws
// std::invalid_argument on bad options, std::runtime_error naming the file when writing fails.
void write_dance_dataset(const DanceDatasetOptions& options);

// Writes `frames` frames of the dancer `dancer_seed` into image_dir and label_dir, named
// frame<first>.png, frame<first + 1>.png, ...
void write_dance_frames(const std::filesystem::path& image_dir,
                        const std::filesystem::path& label_dir, uint64_t dancer_seed, int first,
                        int frames, int height = kPoseHeight, int width = kPoseWidth);

// The seed of dancer `index` of split `split` (0 train, 1 val).
uint64_t dance_clip_seed(uint64_t seed, int split, int index);

}  // namespace foresight
