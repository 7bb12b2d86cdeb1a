// What CreateMessageWithFields (CMessageFields.h) and the sends that take
// fields (CSendFields.h) accept, and how the fields become a message.
#pragma once

#include "message/message.h"

namespace rmq::capi {

// False, with the latest error saying why, for a negative length or a NULL
// body of non-zero length.
bool acceptableBody(const char* body, int bodyLength);

// Sets what is given: NULL tags or keys stay unset, a zero length leaves
// the body empty. The body is checked by acceptableBody first.
void setFields(rmq::Message& message, const char* tags, const char* keys, const char* body, int bodyLength);

}  // namespace rmq::capi
