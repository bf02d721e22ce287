/** Types of warm-firestore-replies.mjs (plain JavaScript, copied as it is into the deployable source). */
export declare function replyTo(method: string, body: Record<string, unknown>): unknown;
export declare function startFirestoreReplies(): Promise<{ port: number; close(): Promise<void> }>;
