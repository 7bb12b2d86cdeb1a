/* CBatchMessage.h: several messages for one topic sent in a single request. */
typedef struct CBatchMessage CBatchMessage;

CBatchMessage* CreateBatchMessage();
int AddMessage(CBatchMessage* batchMsg, CMessage* msg);
int DestroyBatchMessage(CBatchMessage* batchMsg);
