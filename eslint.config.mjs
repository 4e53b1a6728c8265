// ESLint flat config: typescript-eslint's type-aware rules on every room of the project.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "build/", "lab-runs/", ".pulumi-state/", "bench/corpus/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']",
          message: "Set process.exitCode and return, so that cleanup in finally blocks runs.",
        },
      ],
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Tests read parsed JSON and mock payloads; typed product code keeps the unsafe-any rules.
    files: ["test/**"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
  {
    // The IAM simulator is AGPL-3.0: tests may use it, product code never imports it. Nor the
    // real-engine tests' stand-in AWS provider, a test double.
    files: ["infra/**", "automation/**", "verify/**", "bench/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@cloud-copilot/*"], message: "AGPL-3.0 test-only dependency." },
            { group: ["**/test/engine/**"], message: "test/engine holds the real-engine tests and their stand-in AWS provider, a test double." },
          ],
        },
      ],
    },
  },
);
