// One table of names per enum, so that flags, JSON files and messages spell its values the same
// way and code compares enums, not strings. An enum opts in with a specialisation
//   template <> struct EnumNames<Prior> {
//     static constexpr std::pair<Prior, const char*> kNames[] = {{Prior::kFixed, "fixed"}, ...};
//   };
// and FORESIGHT_JSON_ENUM(Prior) beside it (its JSON form is its name; an unknown name is an
// error, where nlohmann's NLOHMANN_JSON_SERIALIZE_ENUM would quietly take the first value).
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>

namespace foresight {

template <typename E>
struct EnumNames;

template <typename E>
std::string name_of(E value) {
  for (const auto& [v, name] : EnumNames<E>::kNames) {
    if (v == value) return name;
  }
  return std::to_string(static_cast<int>(value));
}

// "a, b or c": the accepted names, for messages.
template <typename E>
std::string enum_choices() {
  std::string s;
  const size_t n = std::size(EnumNames<E>::kNames);
  for (size_t i = 0; i < n; ++i) {
    s += (i == 0 ? "" : i + 1 == n ? " or " : ", ") + std::string(EnumNames<E>::kNames[i].second);
  }
  return s;
}

// The value named `text`; throws std::invalid_argument "<what> must be a, b or c, not 'x'".
template <typename E>
E parse_enum(const std::string& text, const std::string& what) {
  for (const auto& [v, name] : EnumNames<E>::kNames) {
    if (text == name) return v;
  }
  throw std::invalid_argument(what + " must be " + enum_choices<E>() + ", not '" + text + "'");
}

}  // namespace foresight

// JSON as the name (in the enum's namespace, where nlohmann looks for it).
#define FORESIGHT_JSON_ENUM(E)                                                 \
  inline void to_json(nlohmann::json& j, E v) { j = ::foresight::name_of(v); } \
  inline void from_json(const nlohmann::json& j, E& v) {                       \
    v = ::foresight::parse_enum<E>(j.get<std::string>(), #E);                  \
  }
