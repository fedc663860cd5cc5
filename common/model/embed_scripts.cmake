# Writes OUT: a C++ file with one raw-string constant per TorchScript source in SCRIPTS,
# looked up by file stem through foresight::embedded_script(name).
set(body "// Generated from common/model/script/*.torchscript. Do not edit.\n#include <stdexcept>\n#include <string>\nnamespace foresight {\nstd::string embedded_script(const std::string& name) {\n")
string(REPLACE "|" ";" SCRIPTS "${SCRIPTS}")
foreach(f ${SCRIPTS})
  get_filename_component(stem ${f} NAME_WE)
  file(READ ${f} text)
  string(APPEND body "  if (name == \"${stem}\") return R\"__TS__(${text})__TS__\";\n")
endforeach()
string(APPEND body "  throw std::runtime_error(\"no embedded TorchScript source named '\" + name + \"'\");\n}\n}  // namespace foresight\n")
file(WRITE ${OUT}.tmp "${body}")
file(RENAME ${OUT}.tmp ${OUT})
