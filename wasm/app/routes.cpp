#include "app/routes.h"

namespace upgate {

namespace {

// The route table, in match order: the literal upload routes come before the legacy "{shootId}" route that
// would otherwise swallow them. "{name}" matches one non-empty segment, "{name+}" the non-empty rest.
const std::vector<Route>& route_table() {
  static const std::vector<Route> table = {
      {"/healthz", {{"GET", handle_healthz}}, {}},
      {"/readyz", {{"GET", handle_readyz}}, {}},
      {"/openapi.json", {{"GET", handle_openapi}}, {}},
      {"/api/services", {{"GET", handle_services}}, {}},
      {"/api/shoots", {{"GET", handle_list_shoots}, {"POST", handle_create_shoot}}, {}},
      {"/api/shoots/{shootId}", {{"GET", handle_get_shoot}}, {}},
      {"/api/shoots/{shootId}/assets", {{"GET", handle_list_assets}}, {}},
      {"/api/shoots/{shootId}/audit", {{"GET", handle_list_audit}}, {}},
      {"/api/uploads/presign", {{"POST", handle_presign}}, {}},
      {"/api/uploads/complete", {{"POST", handle_complete}}, {}},
      {"/api/uploads/abort", {{"POST", handle_abort}}, {}},
      {"/api/uploads/multipart", {{"POST", handle_create_multipart}}, {}},
      {"/api/uploads/multipart/sign", {{"POST", handle_sign_parts}}, {}},
      {"/api/uploads/sign-request", {{"POST", handle_sign_request}}, {}},
      // GET reads an upload; POST is the removed v1 upload route, whose segment was a shoot id.
      {"/api/uploads/{uploadId}", {{"GET", handle_get_upload}, {"POST", handle_legacy_upload}}, {}},
      {"/api/downloads/presign", {{"POST", handle_presign_downloads}}, {}},
      // PUT: a file or a part; POST, GET, DELETE: the S3-style API that sign-request presigns.
      {"/upload/{key+}",
       {{"PUT", handle_upload_put},
        {"POST", handle_s3_post},
        {"GET", handle_s3_list_parts},
        {"DELETE", handle_s3_abort}},
       {}},
      {"/download/{key+}", {{"GET", handle_download}}, {}},
  };
  return table;
}

// Splits "/a/b/c" into its segments, keeping empty ones so "/a//b" does not match "/a/b".
std::vector<std::string_view> segments_of(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path[0] != '/') return parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Each route's template split into segments once, in table order.
const std::vector<std::vector<std::string_view>>& template_segments() {
  static const std::vector<std::vector<std::string_view>> segments = [] {
    std::vector<std::vector<std::string_view>> all;
    for (const Route& route : route_table()) all.push_back(segments_of(route.name));
    return all;
  }();
  return segments;
}

// The path parameters when path (split into have) fits the template want; nullopt otherwise.
std::optional<std::vector<std::string>> match(const std::vector<std::string_view>& want,
                                              const std::vector<std::string_view>& have, std::string_view path) {
  std::vector<std::string> params;
  for (size_t i = 0; i < want.size(); ++i) {
    if (i >= have.size()) return std::nullopt;
    if (!is_parameter(want[i])) {
      if (want[i] != have[i]) return std::nullopt;
      continue;
    }
    if (want[i].substr(want[i].size() - 2) == "+}") {  // greedy: the rest of the path
      const size_t offset = static_cast<size_t>(have[i].data() - path.data());
      if (offset >= path.size()) return std::nullopt;
      params.emplace_back(path.substr(offset));
      return params;
    }
    if (have[i].empty()) return std::nullopt;
    params.emplace_back(have[i]);
  }
  if (want.size() != have.size()) return std::nullopt;
  return params;
}

}  // namespace

std::optional<Route> match_route(std::string_view path) {
  const auto have = segments_of(path);
  const auto& table = route_table();
  for (size_t i = 0; i < table.size(); ++i) {
    if (auto params = match(template_segments()[i], have, path)) {
      Route matched = table[i];
      matched.params = std::move(*params);
      return matched;
    }
  }
  return std::nullopt;
}

std::string allowed_methods(const Route& route) {
  std::string allow;
  for (const auto& entry : route.methods) {
    if (!allow.empty()) allow += ", ";
    allow += entry.method;
  }
  return allow;
}

json route_catalogue() {
  json routes = json::array();
  for (const Route& route : route_table()) {
    // OpenAPI has no greedy parameter: "{key+}" is written "{key}" there.
    std::string path(route.name);
    if (const auto plus = path.find("+}"); plus != std::string::npos) path.erase(plus, 1);
    for (const auto& entry : route.methods) routes.push_back({{"path", path}, {"method", entry.method}});
  }
  return routes;
}

}  // namespace upgate
