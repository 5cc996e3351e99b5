// Crypto++ defers some template instantiations to dll.cpp, which would drag Integer and ASN.1 into the
// native build. Instantiating just the templates the core uses gives both targets their vtables.
#define CRYPTOPP_MANUALLY_INSTANTIATE_TEMPLATES
#include <cryptopp/algparam.h>
#include <cryptopp/hmac.h>
#include <cryptopp/sha.h>

#include <cryptopp/misc.h>

namespace CryptoPP {
// misc.h declares this specialization but defines it in integer.cpp, which this build leaves out (it would bring
// all of big-integer arithmetic along). Crypto++ uses it only to format numbers in exception messages.
template <>
std::string IntToString<word64>(word64 value, unsigned int base) {
  const bool upper = (base & (1U << 31)) != 0;
  base &= ~(1U << 31);
  if (value == 0) return "0";
  std::string digits;
  for (; value > 0; value /= base) {
    const auto digit = static_cast<char>(value % base);
    digits.insert(digits.begin(), static_cast<char>(digit < 10 ? '0' + digit : (upper ? 'A' : 'a') + digit - 10));
  }
  return digits;
}
}  // namespace CryptoPP
