// Test fixture: a module that throws while it is imported.
throw new Error("plugin exploded at import");
