#include "routes.h"

namespace upgate {

namespace {
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

Route route(std::string_view name, std::vector<RouteMethod> methods, std::vector<std::string> params = {}) {
  return Route{name, std::move(methods), std::move(params)};
}
}  // namespace

std::optional<Route> match_route(std::string_view path) {
  const auto parts = segments_of(path);
  const size_t n = parts.size();
  if (n == 1 && parts[0] == "healthz") return route("/healthz", {{"GET", handle_healthz}});
  if (n == 1 && parts[0] == "readyz") return route("/readyz", {{"GET", handle_readyz}});
  if (n == 2 && parts[0] == "api" && parts[1] == "services") return route("/api/services", {{"GET", handle_services}});
  if (n >= 2 && parts[0] == "upload") {
    return route("/upload/{key}", {{"PUT", handle_upload_put}});
  }
  if (n == 2 && parts[0] == "api" && parts[1] == "shoots") return route("/api/shoots", {{"POST", handle_create_shoot}});
  if (n == 3 && parts[0] == "api" && parts[1] == "shoots" && !parts[2].empty()) {
    return route("/api/shoots/{shootId}", {{"GET", handle_get_shoot}}, {std::string(parts[2])});
  }
  if (n == 3 && parts[0] == "api" && parts[1] == "uploads" && parts[2] == "presign") {
    return route("/api/uploads/presign", {{"POST", handle_presign}});
  }
  if (n == 3 && parts[0] == "api" && parts[1] == "uploads" && parts[2] == "complete") {
    return route("/api/uploads/complete", {{"POST", handle_complete}});
  }
  if (n == 3 && parts[0] == "api" && parts[1] == "uploads" && !parts[2].empty()) {
    // "presign" and "complete" are the current flow's routes; any other segment is the removed multipart route.
    return route("/api/uploads/{shootId}", {{"POST", handle_legacy_upload}}, {std::string(parts[2])});
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

}  // namespace upgate
