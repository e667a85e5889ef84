// Test fixture: a node type whose params are not a zod schema, whose run is not a function and that does not
// say whether it has side effects.
export default {
  type: "fixture.bad",
  params: { text: "string" },
  run: "return params.text",
};
