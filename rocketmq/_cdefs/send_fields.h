/* CSendFields.h: sync, oneway and asynchronous (quick callbacks) sends of a
 * message given as its topic, tags, keys and body, with no CMessage made for it. */
int SendMessageSyncWithFields(CProducer* producer, const char* topic, const char* tags, const char* keys,
                              const char* body, int bodyLength, CSendResult* result);
int SendMessageOnewayWithFields(CProducer* producer, const char* topic, const char* tags, const char* keys,
                                const char* body, int bodyLength);
int SendAsyncWithFieldsAndQuickCallbacks(CProducer* producer, const char* topic, const char* tags, const char* keys,
                                         const char* body, int bodyLength, COnSendSuccessCallback cSendSuccessCallback,
                                         COnSendExceptionCallback cSendExceptionCallback, void* userData);
