// Result<T>: a value, or the response that refuses the request — what the steps of a handler return to it.
// (Engines below the handlers return Outcome<T>, a value or a Failure, since they know no HTTP.)
#pragma once
#include <utility>
#include <variant>

#include "http/errors.h"
#include "http/response.h"

namespace upgate {

template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}                        // NOLINT(google-explicit-constructor)
  Result(Response refusal) : state_(std::move(refusal)) {}             // NOLINT(google-explicit-constructor)
  Result(const Rejection& refusal) : state_(refusal.to_response()) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(state_); }
  const T& value() const { return std::get<T>(state_); }
  Response& refusal() { return std::get<Response>(state_); }

 private:
  std::variant<T, Response> state_;
};

}  // namespace upgate
