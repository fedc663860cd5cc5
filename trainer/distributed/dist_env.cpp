#include "trainer/distributed/dist_env.hpp"

#include <cstdlib>

#include "trainer/config/train_config.hpp"

namespace foresight {
namespace {

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

int parse_int(const std::string& name, const std::string& value, int lowest) {
  size_t used = 0;
  long v = 0;
  try {
    v = std::stol(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || v < lowest || v > 1 << 30) {
    throw ConfigError(name + "='" + value + "' is not an integer >= " + std::to_string(lowest));
  }
  return static_cast<int>(v);
}

}  // namespace

std::string DistEnv::store_prefix() const {
  return agent_store ? "/worker/attempt_" + std::to_string(restart_count) : "";
}

std::string DistEnv::describe() const {
  if (!distributed()) return "single process";
  return "rank " + std::to_string(rank) + " of " + std::to_string(world_size) + " (local rank " +
         std::to_string(local_rank) + "), launcher " + launcher + ", store " + master_addr + ":" +
         std::to_string(master_port) + (agent_store ? " (torchrun's agent)" : " (rank 0 hosts)");
}

DistEnv detect_dist_env(const EnvLookup& lookup) {
  const EnvLookup get = lookup ? lookup : EnvLookup(process_env);
  DistEnv env;
  auto integer = [&](const std::string& name, int lowest, int fallback) {
    const auto v = get(name);
    return v ? parse_int(name, *v, lowest) : fallback;
  };
  std::string rank_var, world_var;
  if (get("RANK") || get("WORLD_SIZE")) {
    env.launcher = "torchrun";
    rank_var = "RANK";
    world_var = "WORLD_SIZE";
    if (!get("RANK") || !get("WORLD_SIZE")) {
      throw ConfigError("RANK and WORLD_SIZE must be set together (one of them is missing)");
    }
    env.local_rank = integer("LOCAL_RANK", 0, 0);
    env.local_world_size = integer("LOCAL_WORLD_SIZE", 1, 1);
  } else if (get("SLURM_PROCID") && get("SLURM_NTASKS")) {
    env.launcher = "slurm";
    rank_var = "SLURM_PROCID";
    world_var = "SLURM_NTASKS";
    env.local_rank = integer("SLURM_LOCALID", 0, 0);
    // "2", or "2(x3)" for 3 nodes of 2 tasks: the leading count.
    const std::string per_node = get("SLURM_NTASKS_PER_NODE").value_or("1");
    env.local_world_size =
        parse_int("SLURM_NTASKS_PER_NODE", per_node.substr(0, per_node.find('(')), 1);
  } else {
    return env;
  }
  env.rank = integer(rank_var, 0, 0);
  env.world_size = integer(world_var, 1, 1);
  if (env.rank >= env.world_size) {
    throw ConfigError(rank_var + "=" + std::to_string(env.rank) + " is not below " + world_var +
                      "=" + std::to_string(env.world_size));
  }
  // One rank: a group only when torchrun (or a launcher like it) gave the store's address.
  if (env.world_size == 1) {
    env.group_of_one = env.launcher == "torchrun" && get("MASTER_ADDR") && get("MASTER_PORT");
    if (!env.group_of_one) return env;
  }
  const auto addr = get("MASTER_ADDR");
  if (!addr || addr->empty()) {
    throw ConfigError("MASTER_ADDR is not set: a " + std::to_string(env.world_size) +
                      "-process run needs the host of rank 0 (or of torchrun's store)");
  }
  env.master_addr = *addr;
  if (!get("MASTER_PORT")) throw ConfigError("MASTER_PORT is not set");
  env.master_port = integer("MASTER_PORT", 1, 0);
  if (env.master_port > 65535) throw ConfigError("MASTER_PORT must be a TCP port (1-65535)");
  const auto agent = get("TORCHELASTIC_USE_AGENT_STORE");
  env.agent_store = agent && (*agent == "True" || *agent == "true" || *agent == "1");
  env.restart_count = integer("TORCHELASTIC_RESTART_COUNT", 0, 0);
  return env;
}

}  // namespace foresight
