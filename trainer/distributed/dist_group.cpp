#include "trainer/distributed/dist_group.hpp"

#include <spdlog/spdlog.h>

#include "common/util/torch_compat.hpp"
#include "trainer/config/train_config.hpp"

#if FORESIGHT_WITH_DISTRIBUTED
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>
#endif

namespace foresight {

bool distributed_support() { return FORESIGHT_WITH_DISTRIBUTED != 0; }

std::string available_backends() {
#if FORESIGHT_WITH_DISTRIBUTED && defined(USE_C10D_NCCL)
  return "gloo, nccl";
#elif FORESIGHT_WITH_DISTRIBUTED
  return "gloo";
#else
  return "none";
#endif
}

std::string resolve_backend(const GroupOptions& options) {
  const bool nccl = available_backends().find("nccl") != std::string::npos;
  if (options.backend == "auto") return options.cuda && nccl ? "nccl" : "gloo";
  if (options.backend == "nccl") {
    if (!nccl) {
      throw ConfigError("--dist-backend nccl: this LibTorch (" TORCH_VERSION
                        ") was built without NCCL (it has: " +
                        available_backends() + ")");
    }
    if (!options.cuda) throw ConfigError("--dist-backend nccl needs --device cuda");
    return "nccl";
  }
  if (options.backend == "gloo") return "gloo";
  throw ConfigError("--dist-backend must be auto, gloo or nccl, not '" + options.backend + "'");
}

#if FORESIGHT_WITH_DISTRIBUTED

namespace {

// The c10d base class of a backend: ProcessGroup in 1.13, Backend from 2.0 on.
#if FORESIGHT_TORCH_AT_LEAST(2, 0)
using BackendBase = c10d::Backend;
#else
using BackendBase = c10d::ProcessGroup;
#endif

constexpr auto kBeat = std::chrono::milliseconds(1000);         // heartbeat period
constexpr auto kStoreAnswer = std::chrono::milliseconds(5000);  // the heartbeat's store timeout

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// LibTorch 2.4+ hosts a TCPStore on libuv by default, and a build without libuv (Debian 13's 2.6)
// refuses it: ask for the classic server wherever the option exists (1.13 has only that one).
template <class Options>
auto classic_store_server(Options& o, int) -> decltype(o.useLibUV = false, void()) {
  o.useLibUV = false;
}
template <class Options>
void classic_store_server(Options&, long) {}

c10::intrusive_ptr<c10d::Store> connect_store(const DistEnv& env, bool host,
                                              std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(env.master_port);
  o.isServer = host;
  o.numWorkers = env.world_size;
  o.waitWorkers = false;
  o.timeout = timeout;
  classic_store_server(o, 0);
  c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
  if (env.agent_store) store = c10::make_intrusive<c10d::PrefixStore>(env.store_prefix(), store);
  return c10::make_intrusive<c10d::PrefixStore>("foresight", store);
}

std::string key(const char* what, int rank) {
  return std::string("/") + what + "/" + std::to_string(rank);
}

// Every rank adds 1 to its counter in the store each kBeat, from a thread of its own on a
// connection of its own, and publishes how many collectives it has entered: a rank whose counter
// stands still is gone (or stopped), one whose collective count lags is stuck. A store whose host
// is stopped never answers, so neither the beating thread nor a diagnosis is ever waited for
// without a bound: both run detached, on state they share.
class Heartbeat {
 public:
  // store_host: who hosts the store, for the message when it stops answering.
  Heartbeat(c10::intrusive_ptr<c10d::Store> store, int rank, int size, std::string store_host)
      : s_(std::make_shared<State>()) {
    s_->store = std::move(store);
    s_->rank = rank;
    s_->size = size;
    s_->store_host = std::move(store_host);
    std::thread([s = s_] { beat(*s); }).detach();
  }
  ~Heartbeat() {
    std::unique_lock<std::mutex> lock(s_->mu);
    s_->stop = true;
    s_->cv.notify_all();
    // Normally back within one store call; a thread stuck on a silent store is left behind.
    s_->cv.wait_for(lock, 2 * kBeat, [this] { return s_->finished; });
  }
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  void entering(int64_t collective) { s_->collectives = collective; }

  // Names the ranks that are gone or stuck; takes ~3.5 s (beats watched), at most ~9 s.
  std::string diagnose() {
    auto answer = std::make_shared<std::promise<std::string>>();
    std::future<std::string> result = answer->get_future();
    std::thread([s = s_, answer] { answer->set_value(diagnosis(*s)); }).detach();
    if (result.wait_for(3 * kBeat + kBeat / 2 + kStoreAnswer) == std::future_status::ready) {
      return result.get();
    }
    return "the rendezvous store does not answer: " + s_->store_host + " is lost or hung";
  }

 private:
  struct State {
    c10::intrusive_ptr<c10d::Store> store;
    int rank = 0, size = 1;
    std::string store_host;
    std::atomic<int64_t> collectives{0};
    std::mutex mu, store_mu;
    std::condition_variable cv;
    bool stop = false, finished = false;
  };

  static std::string diagnosis(State& s) {
    try {
      const auto before = read(s);
      std::this_thread::sleep_for(3 * kBeat + kBeat / 2);
      const auto after = read(s);
      std::vector<int> gone, behind;
      int64_t most = 0;
      for (int r = 0; r < s.size; ++r) most = std::max(most, after[r].second);
      for (int r = 0; r < s.size; ++r) {
        if (r == s.rank) continue;
        if (after[r].first == before[r].first) {
          gone.push_back(r);
        } else if (after[r].second < most) {
          behind.push_back(r);
        }
      }
      auto list = [](const std::vector<int>& v) {
        std::string out;
        for (int r : v) out += (out.empty() ? "" : ", ") + std::to_string(r);
        return out;
      };
      if (!gone.empty()) {
        return std::string(gone.size() == 1 ? "rank " : "ranks ") + list(gone) +
               " stopped (no heartbeat for 3 s: the process died or was stopped)";
      }
      if (!behind.empty()) {
        return std::string(behind.size() == 1 ? "rank " : "ranks ") + list(behind) +
               " is alive but stuck before this collective (hung, or far slower)";
      }
      return "every rank is alive: the network between them failed or a rank is slower than "
             "--dist-timeout";
    } catch (const std::exception&) {
      return "the rendezvous store no longer answers: " + s.store_host + " is lost";
    }
  }

  // (beats, collectives entered) of every rank.
  static std::vector<std::pair<int64_t, int64_t>> read(State& s) {
    std::lock_guard<std::mutex> lock(s.store_mu);
    std::vector<std::pair<int64_t, int64_t>> v;
    for (int r = 0; r < s.size; ++r) {
      v.emplace_back(s.store->add(key("alive", r), 0), s.store->add(key("entered", r), 0));
    }
    return v;
  }

  static void beat(State& s) {
    int64_t published = 0;
    std::unique_lock<std::mutex> lock(s.mu);
    while (!s.stop) {
      lock.unlock();
      try {
        std::lock_guard<std::mutex> store_lock(s.store_mu);
        s.store->add(key("alive", s.rank), 1);
        const int64_t c = s.collectives;
        if (c != published) s.store->add(key("entered", s.rank), c - published);
        published = c;
      } catch (const std::exception&) {
        // The store is gone (its host ended): a failing collective reports it.
      }
      lock.lock();
      s.cv.wait_for(lock, kBeat, [&s] { return s.stop; });
    }
    s.finished = true;
    s.cv.notify_all();
  }

  std::shared_ptr<State> s_;
};

}  // namespace

struct DistGroup::Impl {
  DistEnv env;
  std::string backend_name;
  std::chrono::milliseconds timeout{0};
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<BackendBase> backend;
  std::unique_ptr<Heartbeat> heartbeat;
  int64_t collectives = 0;

  // Runs one collective; a failure becomes a DistributedError naming the lost rank(s).
  template <class Start>
  void run(const std::string& what, Start start) {
    heartbeat->entering(++collectives);
    try {
      auto work = start();
      work->wait(timeout);
    } catch (const std::exception& e) {
      const std::string cause = first_line(e.what());
      spdlog::error("{} failed ({}); asking the store which rank is lost", what, cause);
      throw DistributedError("data-parallel run lost a peer during " + what + ": " +
                             heartbeat->diagnose() + " [rank " + std::to_string(env.rank) + " of " +
                             std::to_string(env.world_size) + ", " + backend_name + ": " + cause +
                             "]");
    }
  }
};

DistGroup::DistGroup(const DistEnv& env, const GroupOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.env = env;
  d.backend_name = resolve_backend(options);
  d.timeout = options.timeout;
  const bool host = !env.agent_store && env.rank == 0;
  try {
    d.store = connect_store(env, host, d.timeout);
    // The heartbeat's own connection: a client even on the host (up by now), with a short
    // timeout, so that asking a hung store host which rank is lost fails fast.
    d.heartbeat = std::make_unique<Heartbeat>(
        connect_store(env, false, std::min<std::chrono::milliseconds>(d.timeout, kStoreAnswer)),
        env.rank, env.world_size,
        env.agent_store ? "torchrun's agent (its store's host)" : "rank 0 (it hosts the store)");
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(env.rank) + ": cannot " +
                           (host ? "host" : "reach") + " the rendezvous store at " +
                           env.master_addr + ":" + std::to_string(env.master_port) + " (" +
                           first_line(e.what()) + ")");
  }
  try {
    if (d.backend_name == "nccl") {
#ifdef USE_C10D_NCCL
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = d.timeout;
      d.backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(d.store, env.rank, env.world_size, o);
#endif
    } else {
      auto o = c10d::ProcessGroupGloo::Options::create(d.timeout);
      const char* ifnames = std::getenv("GLOO_SOCKET_IFNAME");
      if (ifnames != nullptr && *ifnames != '\0') {
        std::stringstream list(ifnames);
        std::string name;
        while (std::getline(list, name, ',')) {
          if (!name.empty())
            o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
        }
      } else {
        o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      d.backend = c10::make_intrusive<c10d::ProcessGroupGloo>(d.store, env.rank, env.world_size, o);
    }
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(env.rank) + ": the " + d.backend_name +
                           " process group did not form within --dist-timeout (" +
                           std::to_string(options.timeout.count()) +
                           " s): " + first_line(e.what()));
  }
}

DistGroup::~DistGroup() = default;

int DistGroup::rank() const { return impl_->env.rank; }
int DistGroup::size() const { return impl_->env.world_size; }
const std::string& DistGroup::backend() const { return impl_->backend_name; }

void DistGroup::broadcast(const std::vector<at::Tensor>& tensors, const std::string& what,
                          int root) {
  for (const at::Tensor& t : tensors) {
    std::vector<at::Tensor> one{t};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    impl_->run("the broadcast of " + what, [&] { return impl_->backend->broadcast(one, o); });
  }
}

void DistGroup::all_reduce_sum(at::Tensor& tensor, const std::string& what) {
  std::vector<at::Tensor> one{tensor};
  impl_->run("the all-reduce of " + what, [&] { return impl_->backend->allreduce(one); });
}

void DistGroup::barrier(const std::string& what) {
  impl_->run(what, [&] { return impl_->backend->barrier(); });
}

#else  // built without c10d Gloo

struct DistGroup::Impl {};

DistGroup::DistGroup(const DistEnv& env, const GroupOptions&) {
  throw DistributedError("rank " + std::to_string(env.rank) +
                         ": this foresight was built without distributed support (no c10d Gloo "
                         "in LibTorch " TORCH_VERSION
                         ", or no libgloo-dev headers at build time); run one process, or rebuild "
                         "with libgloo-dev installed");
}
DistGroup::~DistGroup() = default;
int DistGroup::rank() const { return 0; }
int DistGroup::size() const { return 1; }
const std::string& DistGroup::backend() const {
  static const std::string none = "none";
  return none;
}
void DistGroup::broadcast(const std::vector<at::Tensor>&, const std::string&, int) {}
void DistGroup::all_reduce_sum(at::Tensor&, const std::string&) {}
void DistGroup::barrier(const std::string&) {}

#endif

}  // namespace foresight
