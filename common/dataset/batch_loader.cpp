#include "common/dataset/batch_loader.hpp"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "common/dataset/dataset_format.hpp"
#include "common/dataset/distributed_sampler.hpp"
#include "common/dataset/sequence_reader.hpp"

// How it works. The loader walks an endless stream of positions p = epoch * N + i (N sequences).
// Workers claim positions in order, load their windows in parallel, and file the results by
// position. Whichever worker completes the oldest unassembled position assembles, strictly in
// position order, batches of B good windows and end-of-epoch markers into numbered entries that
// next() hands out in number order. Every choice (epoch order, window start) is a pure function
// of (seed, epoch, sequence), so the batches do not depend on the worker count or on timing.
// Claims stop `prefetch` entries ahead of the consumer, and at most prefetch * B positions ahead
// of the assembly, which bounds memory without ever waiting on an item nobody has claimed.

namespace foresight {
namespace fs = std::filesystem;

namespace {

struct Loaded {
  std::optional<Sequence> window;
  std::exception_ptr error;
  bool dataset_error = false;
  std::string message;
};

struct Entry {
  enum Kind { kBatch, kEpochEnd, kError } kind = kEpochEnd;
  Batch batch;
  std::exception_ptr error;
};

struct ToStack {
  int64_t id;
  std::vector<Sequence> windows;
};

}  // namespace

struct BatchLoader::Impl {
  std::vector<fs::path> sequences;
  LoaderOptions opt;
  bool pin = false;
  int64_t n = 0;      // sequences per epoch of this loader (its rank's share)
  int64_t n_all = 0;  // sequences in the split

  std::mutex mu;
  std::condition_variable work_cv, ready_cv;
  bool stop = false;
  bool halted = false;  // a fatal error entry was formed: no more work

  int64_t next_claim = 0;
  std::map<int64_t, Loaded> resolved;  // loaded, not yet assembled
  int64_t cursor = 0;                  // next position to assemble
  std::vector<Sequence> pending;       // good windows of the batch being assembled
  int64_t epoch_good = 0;
  std::map<uint64_t, std::vector<int64_t>> orders;  // epoch -> sequence order

  int64_t formed = 0;    // entries numbered so far
  int64_t consumed = 0;  // entries handed out by next()
  std::map<int64_t, Entry> ready;
  std::exception_ptr fatal;  // rethrown by every next() after a worker error

  std::set<int64_t> bad;  // sequences skipped (skip_bad), warned about once each
  std::vector<std::thread> threads;

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    work_cv.notify_all();
    ready_cv.notify_all();
    for (auto& t : threads) t.join();
  }

  bool can_claim() const {
    return !halted && formed - consumed < opt.prefetch &&
           next_claim - cursor < static_cast<int64_t>(opt.prefetch) * opt.batch_size;
  }

  const std::vector<int64_t>& order(uint64_t epoch) {
    auto it = orders.find(epoch);
    if (it != orders.end()) return it->second;
    std::vector<int64_t> o = epoch_order(n_all, opt.seed, epoch, opt.shuffle);
    if (opt.world > 1) o = rank_share(o, opt.rank, opt.world, opt.batch_size);
    return orders.emplace(epoch, std::move(o)).first->second;
  }

  Loaded load(int64_t seq, uint64_t epoch) const {
    Loaded r;
    try {
      int start = 0;
      if (opt.shuffle) {
        const int frames = count_frames(sequences[seq]);
        const int choices = frames - opt.seq_len + 1;
        if (choices > 1) {
          start =
              static_cast<int>(mix_seed(opt.seed, epoch, 1 + seq) % static_cast<uint64_t>(choices));
        }
      }
      r.window = load_window(sequences[seq], start, opt.seq_len, opt.image_size);
    } catch (const DatasetError& e) {
      r.error = std::current_exception();
      r.dataset_error = true;
      r.message = e.what();
    } catch (...) {
      r.error = std::current_exception();
    }
    return r;
  }

  void add_entry(Entry e) {
    ready.emplace(formed++, std::move(e));
    ready_cv.notify_all();
  }

  // Under the lock: consumes resolved positions in order; returns batches to stack.
  std::vector<ToStack> assemble() {
    std::vector<ToStack> out;
    while (!halted) {
      auto it = resolved.find(cursor);
      if (it == resolved.end()) break;
      Loaded r = std::move(it->second);
      resolved.erase(it);
      const int64_t seq = order(static_cast<uint64_t>(cursor / n))[cursor % n];
      ++cursor;
      if (r.window) {
        pending.push_back(std::move(*r.window));
        ++epoch_good;
        if (static_cast<int>(pending.size()) == opt.batch_size) {
          out.push_back({formed++, std::move(pending)});
          pending.clear();
        }
      } else if (r.dataset_error && opt.skip_bad) {
        if (bad.insert(seq).second) spdlog::warn("skipping sequence: {}", r.message);
      } else {
        add_entry({Entry::kError, {}, r.error});
        halted = true;
        break;
      }
      if (cursor % n == 0) {
        if (!pending.empty() && !opt.drop_last) out.push_back({formed++, std::move(pending)});
        pending.clear();
        if (epoch_good == 0) {
          add_entry({Entry::kError,
                     {},
                     std::make_exception_ptr(
                         DatasetError("every one of the " + std::to_string(n) +
                                      " sequences failed to load (see the warnings above)"))});
          halted = true;
          break;
        }
        epoch_good = 0;
        add_entry({Entry::kEpochEnd, {}, nullptr});
        orders.erase(static_cast<uint64_t>(cursor / n) - 1);
      }
    }
    work_cv.notify_all();  // the assembly window moved
    return out;
  }

  Entry stack(std::vector<Sequence>& windows) const {
    Entry e;
    try {
      std::vector<at::Tensor> frames, conditions;
      for (auto& w : windows) {
        frames.push_back(w.frames);
        conditions.push_back(w.conditions);
        e.batch.names.push_back(w.name);
      }
      if (pin) {
        const auto b = static_cast<int64_t>(windows.size());
        auto options = at::TensorOptions().dtype(at::kFloat).pinned_memory(true);
        e.batch.frames =
            at::empty({opt.seq_len, b, kImageChannels, opt.image_size, opt.image_size}, options);
        e.batch.conditions = at::empty({opt.seq_len, b, kConditionDim}, options);
        at::stack_out(e.batch.frames, frames, 1);
        at::stack_out(e.batch.conditions, conditions, 1);
      } else {
        e.batch.frames = at::stack(frames, 1);
        e.batch.conditions = at::stack(conditions, 1);
      }
      e.kind = Entry::kBatch;
    } catch (...) {
      e.kind = Entry::kError;
      e.error = std::current_exception();
    }
    return e;
  }

  void work() {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      work_cv.wait(lock, [&] { return stop || can_claim(); });
      if (stop) return;
      const int64_t p = next_claim++;
      const auto epoch = static_cast<uint64_t>(p / n);
      const int64_t seq = order(epoch)[p % n];
      lock.unlock();
      Loaded r = load(seq, epoch);
      lock.lock();
      if (stop) return;
      resolved.emplace(p, std::move(r));
      std::vector<ToStack> batches = assemble();
      if (batches.empty()) continue;
      lock.unlock();
      std::vector<std::pair<int64_t, Entry>> entries;
      for (auto& b : batches) entries.emplace_back(b.id, stack(b.windows));
      lock.lock();
      for (auto& [id, e] : entries) ready.emplace(id, std::move(e));
      ready_cv.notify_all();
    }
  }
};

BatchLoader::BatchLoader(std::vector<fs::path> sequences, LoaderOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (options.batch_size < 1 || options.seq_len < 1 || options.image_size < 1 ||
      options.workers < 1 || options.prefetch < 1) {
    throw std::invalid_argument(
        "BatchLoader: batch_size, seq_len, image_size, workers and prefetch must be >= 1");
  }
  if (sequences.empty()) throw DatasetError("BatchLoader: no sequences to load");
  if (options.drop_last && static_cast<int64_t>(sequences.size()) < options.batch_size) {
    throw DatasetError("BatchLoader: " + std::to_string(sequences.size()) +
                       " sequences make no full batch of " + std::to_string(options.batch_size) +
                       " (drop_last)");
  }
  if (options.world < 1 || options.rank < 0 || options.rank >= options.world) {
    throw std::invalid_argument("BatchLoader: needs 0 <= rank < world");
  }
  if (options.world > 1 &&
      (!options.drop_last ||
       static_cast<int64_t>(sequences.size()) < int64_t{options.batch_size} * options.world)) {
    throw DatasetError("BatchLoader: " + std::to_string(sequences.size()) +
                       " sequences make no full global batch of " + std::to_string(options.world) +
                       " ranks x " + std::to_string(options.batch_size) +
                       " (a rank's share needs drop_last)");
  }
  Impl& d = *impl_;
  d.sequences = std::move(sequences);
  d.n_all = static_cast<int64_t>(d.sequences.size());
  d.n = options.world > 1
            ? d.n_all / (int64_t{options.batch_size} * options.world) * options.batch_size
            : d.n_all;
  d.opt = options;
  if (options.start_batch < 0) throw std::invalid_argument("BatchLoader: start_batch must be >= 0");
  if (options.start_batch > 0 && options.drop_last) {
    // Where batch start_batch of the stream begins: epoch e, its k-th batch.
    const int64_t per_epoch = d.n / options.batch_size;
    const int64_t e = options.start_batch / per_epoch, k = options.start_batch % per_epoch;
    d.next_claim = d.cursor = e * d.n + k * options.batch_size;
    d.epoch_good = k * options.batch_size;
  }
  if (options.pin_memory) {
    d.pin = at::hasCUDA();
    if (!d.pin) spdlog::warn("pin_memory requested but CUDA is unavailable; using pageable memory");
  }
  for (int i = 0; i < options.workers; ++i) d.threads.emplace_back([&d] { d.work(); });
}

BatchLoader::~BatchLoader() = default;

std::optional<Batch> BatchLoader::next() {
  Impl& d = *impl_;
  std::unique_lock<std::mutex> lock(d.mu);
  if (d.fatal) std::rethrow_exception(d.fatal);
  d.ready_cv.wait(lock, [&] { return d.ready.count(d.consumed) > 0; });
  auto node = d.ready.extract(d.consumed);
  ++d.consumed;
  d.work_cv.notify_all();
  Entry& e = node.mapped();
  switch (e.kind) {
    case Entry::kBatch:
      return std::move(e.batch);
    case Entry::kEpochEnd:
      return std::nullopt;
    case Entry::kError:
      break;
  }
  d.fatal = e.error;
  std::rethrow_exception(d.fatal);
}

int64_t BatchLoader::batches_per_epoch() const {
  const int64_t n = impl_->n, b = impl_->opt.batch_size;
  return impl_->opt.drop_last ? n / b : (n + b - 1) / b;
}

int64_t BatchLoader::skipped() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return static_cast<int64_t>(impl_->bad.size());
}

}  // namespace foresight
