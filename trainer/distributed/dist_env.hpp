// Where this process stands in a data-parallel run, read from the launcher's environment:
// torchrun (or any launcher setting RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), else
// Slurm's srun (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, with MASTER_ADDR and MASTER_PORT set by
// the batch script), else a single process.
#pragma once
#include <functional>
#include <optional>
#include <string>

namespace foresight {

struct DistEnv {
  std::string launcher = "none";  // none | torchrun | slurm
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;  // ranks on this machine (LOCAL_WORLD_SIZE, SLURM_NTASKS_PER_NODE)
  std::string master_addr;   // the rendezvous store's host
  int master_port = 0;
  // torchrun's agent hosts the store (TORCHELASTIC_USE_AGENT_STORE=True): every rank is a client
  // and keys live under "/worker/attempt_<restart_count>/". Otherwise rank 0 hosts it.
  bool agent_store = false;
  int restart_count = 0;

  // The process joins a process group: more than one rank, or torchrun's variables with a store
  // address (a group of one, as torch.distributed makes it under `torchrun --nproc_per_node 1`).
  bool distributed() const { return world_size > 1 || group_of_one; }
  bool group_of_one = false;
  // The key prefix of torchrun's agent store ("" without one).
  std::string store_prefix() const;
  // "rank 1 of 2 (local rank 1), torchrun, store 127.0.0.1:29500 (agent)" for the start-up log.
  std::string describe() const;
};

// Reads the variables through `get` (std::getenv by default). Throws ConfigError naming the
// variable when one is malformed, inconsistent (RANK >= WORLD_SIZE) or missing (a multi-process
// run without MASTER_ADDR or MASTER_PORT).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
DistEnv detect_dist_env(const EnvLookup& get = {});

}  // namespace foresight
