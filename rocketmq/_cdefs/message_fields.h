/* CMessageFields.h: an outgoing message with its topic, tags, keys and body
 * set in one call; messages freed in one call. */
CMessage* CreateMessageWithFields(const char* topic, const char* tags, const char* keys, const char* body,
                                  int bodyLength);
int DestroyMessages(CMessage** msgs, int count);
