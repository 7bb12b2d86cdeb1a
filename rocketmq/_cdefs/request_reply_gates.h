/* The request-reply callbacks behind the gate of callback_gates.h (pasted
   after it): once interpreter exit closed it, a reply or a timeout no
   longer enters Python. */
static void _rocketmq_on_reply(CMessageExt* reply, void* userData);
static void _rocketmq_on_request_failure(CMQException error, void* userData);

static void rocketmq_gated_on_reply(CMessageExt* reply, void* userData) {
  if (rocketmq_python_reachable()) _rocketmq_on_reply(reply, userData);
}

static void rocketmq_gated_on_request_failure(CMQException error, void* userData) {
  if (rocketmq_python_reachable()) _rocketmq_on_request_failure(error, userData);
}
