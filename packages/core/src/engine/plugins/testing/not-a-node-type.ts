// Test fixture: a default export that is neither a node type nor a plugin.
export default { hello: "world" };
