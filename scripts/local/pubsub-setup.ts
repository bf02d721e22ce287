import { eventFunctions } from '../../functions/endpoints.js';

/**
 * What Terraform creates in production, on the Pub/Sub emulator: each event function's topic,
 * its dead-letter topic, and a push subscription to the gateway's /pubsub/<function> route
 * (the functions framework turns the push into a CloudEvent, as in production; it takes the topic's
 * name from the rest of the path).
 */
export async function createPushSubscriptions(projectId: string, gatewayUrl: string): Promise<void> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({ projectId });
  const ensureTopic = async (name: string) => {
    const [exists] = await pubsub.topic(name).exists();
    if (!exists) await pubsub.createTopic(name);
  };
  try {
    for (const fn of eventFunctions) {
      await ensureTopic(fn.topic);
      if (fn.deadLetterTopic) await ensureTopic(fn.deadLetterTopic);
      const name = `${fn.name}-push`;
      const subscription = pubsub.subscription(name);
      const [exists] = await subscription.exists();
      const pushConfig = { pushEndpoint: `${gatewayUrl}/pubsub/${fn.name}/projects/${projectId}/topics/${fn.topic}` };
      if (exists) {
        await subscription.modifyPushConfig(pushConfig); // the gateway's port may differ from last time
        continue;
      }
      await pubsub.topic(fn.topic).createSubscription(name, {
        pushConfig,
        ackDeadlineSeconds: Math.min(600, fn.runtime?.timeoutSeconds ?? 60),
        retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 10 } },
        ...(fn.deadLetterTopic
          ? { deadLetterPolicy: { deadLetterTopic: pubsub.topic(fn.deadLetterTopic).name, maxDeliveryAttempts: fn.maxDeliveryAttempts ?? 5 } }
          : {}),
      });
    }
  } finally {
    await pubsub.close();
  }
}
