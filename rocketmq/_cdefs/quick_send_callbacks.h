/* CQuickSendCallbacks.h: asynchronous sends whose success callback runs on
 * the thread that read the broker's answer (the callbacks only queue). */
int SendAsyncWithQuickCallbacks(CProducer* producer, CMessage* msg, COnSendSuccessCallback cSendSuccessCallback,
                                COnSendExceptionCallback cSendExceptionCallback, void* userData);
