#include "app/asset_processing.h"

#include "metadata/metadata.h"
#include "previews/previews.h"
#include "protocol/blobs.h"
#include "uploads/records.h"

namespace upgate {

namespace {

ProcessingOutcome transient(const std::string& why) { return ProcessingOutcome{"", why, json(), json()}; }
ProcessingOutcome failed(const std::string& why) { return ProcessingOutcome{"failed", why, json(), json()}; }

// The bytes a range read handed over (protocol/blobs.h), or nullopt when the read failed or came back short.
std::optional<std::string> bytes_of(const EffectResult& read, uint64_t wanted) {
  if (!read.ok()) return std::nullopt;
  const json& result = read.value();
  auto bytes = blobs::take(static_cast<uint32_t>(integer_field(result, "blob")));
  if (!bytes || member_of(result, "object").is_null() || bytes->size() != wanted) return std::nullopt;
  return bytes;
}

// Reads the ranges into the reader, all in one round; false when storage failed.
Task<bool> read_into(Exchange& exchange, const std::string& key, metadata::Reader& reader,
                     const std::vector<metadata::Range>& ranges) {
  std::vector<json> round;
  round.reserve(ranges.size());
  for (const auto& range : ranges) {
    round.push_back(
        effects::r2_read_range(key, static_cast<int64_t>(range.offset), static_cast<int64_t>(range.length)));
  }
  const std::vector<EffectResult> reads = co_await exchange.perform(round);
  // Every blob is taken before any is judged, so a failed read leaves none behind in the table.
  std::vector<std::optional<std::string>> bytes;
  bytes.reserve(ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) bytes.push_back(bytes_of(reads[i], ranges[i].length));
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (!bytes[i]) co_return false;
    reader.add(ranges[i].offset, *bytes[i]);
  }
  co_return true;
}

// The metadata, reading only what the parser asks for.
Task<std::variant<metadata::Metadata, ProcessingOutcome>> read_metadata(Exchange& exchange, const std::string& key,
                                                                        metadata::Reader& reader) {
  std::vector<metadata::Range> ranges{reader.first_read()};
  for (;;) {
    if (!co_await read_into(exchange, key, reader, ranges))
      co_return transient("the file could not be read from storage");
    metadata::Answer answer = reader.next();
    if (auto* found = std::get_if<metadata::Metadata>(&answer)) co_return std::move(*found);
    if (auto* failure = std::get_if<metadata::Failure>(&answer)) co_return failed(failure->reason);
    ranges = std::get<metadata::NeedBytes>(answer).ranges;
  }
}

}  // namespace

Task<ProcessingOutcome> process_asset(Exchange& exchange, const std::string& shoot_id, const json& asset) {
  const std::string key = string_field(asset, "key");
  const auto size = static_cast<uint64_t>(integer_field(asset, "size"));
  metadata::Reader reader(size);
  auto read = co_await read_metadata(exchange, key, reader);
  if (auto* outcome = std::get_if<ProcessingOutcome>(&read)) co_return std::move(*outcome);
  const metadata::Metadata& found = std::get<metadata::Metadata>(read);
  ProcessingOutcome outcome{"skipped", found.no_preview_reason, metadata::to_json(found), json()};
  if (!found.preview) co_return outcome;

  const metadata::PreviewLocation& source = *found.preview;
  const previews::Limits limits;
  if (source.length > limits.max_input_bytes) {
    outcome.reason = "the image is too large to make previews of (" + std::to_string(source.length) + " bytes)";
    co_return outcome;
  }
  std::string jpeg;
  if (auto known = reader.file().get(source.offset, source.length)) {
    jpeg = std::string(*known);
  } else {
    const EffectResult fetched = co_await exchange.perform_one(
        effects::r2_read_range(key, static_cast<int64_t>(source.offset), static_cast<int64_t>(source.length)));
    auto bytes = bytes_of(fetched, source.length);
    if (!bytes) co_return transient("the preview's bytes could not be read from storage");
    jpeg = std::move(*bytes);
  }
  Outcome<previews::PreviewSet> made = previews::make_previews(jpeg, static_cast<int>(found.orientation.value_or(1)),
                                                               previews::standard_specs(), limits);
  if (!made) {
    ProcessingOutcome refused = failed(made.failure().message);
    refused.metadata = outcome.metadata;
    co_return refused;
  }

  const std::string filename = string_field(asset, "filename");
  std::vector<json> writes;
  writes.reserve(made.value().previews.size());
  json keys = json::object();
  for (previews::Preview& preview : made.value().previews) {
    const std::string preview_key = records::preview_key(shoot_id, filename, preview.name);
    const uint32_t blob = blobs::put(std::move(preview.jpeg));
    if (blob == 0) co_return transient("no room to hand the previews over");
    writes.push_back(effects::r2_put_blob(preview_key, "image/jpeg", blob));
    keys[preview.name] = preview_key;
  }
  const std::vector<EffectResult> stored = co_await exchange.perform(writes);
  for (const EffectResult& put : stored) {
    if (!put.ok()) co_return transient("the previews could not be stored");
  }
  co_return ProcessingOutcome{"done", "", std::move(outcome.metadata), std::move(keys)};
}

}  // namespace upgate
