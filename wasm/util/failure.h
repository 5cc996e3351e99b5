// Errors as values: what the core's own code returns instead of throwing.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace upgate {

// A refusal with a machine-readable code (snake_case, as the contract names it) and a sentence for a person.
struct Failure {
  std::string code;
  std::string message;
};

// Either a value or the Failure that prevented it.
template <class T>
class Outcome {
 public:
  Outcome(T value) : state_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Outcome(Failure failure) : state_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<T>(state_); }
  T& value() { return std::get<T>(state_); }
  const Failure& failure() const { return std::get<Failure>(state_); }

 private:
  std::variant<T, Failure> state_;
};

}  // namespace upgate
