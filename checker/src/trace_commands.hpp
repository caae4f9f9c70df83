// Private to the weft tool: the commands that work on a trace file.
#pragma once

#include <string>

namespace weft::checker {

// weft minimize FILE [-o OUT]: writes the smallest failing schedule found and prints the
// counts before and after. 0 written, 3 the trace does not reproduce, 64 bad file or usage.
int cmd_minimize(const std::string& file, const std::string& out, double time_limit_s);

}  // namespace weft::checker

namespace weft::checker {

// weft export --chrome-trace FILE: the trace as Chrome trace-event JSON on stdout.
// 0 written, 64 bad file or usage.
int cmd_export_chrome(const std::string& file);

}  // namespace weft::checker

namespace weft::checker {

// weft show --html FILE: the trace as one self-contained HTML page on stdout.
// 0 written, 64 bad file or usage.
int cmd_show_html(const std::string& file);

}  // namespace weft::checker
