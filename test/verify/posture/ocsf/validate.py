"""Validates OCSF Compliance Findings (class 2003) with py-ocsf-models, the OCSF models Prowler
emits its own findings with. Reads a JSON array of findings on stdin; prints one JSON object on
stdout: {"ocsf_version": <the models' OCSF version>, "problems": [[<index>, <message>], ...]}.

pydantic drops a field a model lacks without a word, so every object of the input is also walked
beside its model: a field the model does not know is a problem too (OCSF objects are closed).

Two things OCSF 1.5.0 has that the models leave out are checked here instead of waved through:
- `cloud`, the cloud profile's attribute (the models have no profiles): allowed only when
  metadata.profiles names "cloud", and validated with the models' own Cloud object;
- `compliance.status`, the caption sibling of compliance.status_id (OCSF's sibling convention):
  allowed only when it is the caption of that id in the models' compliance StatusID."""

import json
import sys

from pydantic import BaseModel, ValidationError

import py_ocsf_models
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud
from py_ocsf_models.objects.compliance_status import StatusID as ComplianceStatusID


def unknown_fields(value, model, path):
    """The fields of `value` (as given) that `model` (as validated) has no place for."""
    found = []
    if isinstance(model, BaseModel) and isinstance(value, dict):
        known = type(model).model_fields
        for key, item in value.items():
            if key not in known:
                found.append(f"{path}.{key} is not a field of {type(model).__name__}")
            else:
                found.extend(unknown_fields(item, getattr(model, key), f"{path}.{key}"))
    elif isinstance(model, list) and isinstance(value, list):
        for i, (item, sub) in enumerate(zip(value, model)):
            found.extend(unknown_fields(item, sub, f"{path}[{i}]"))
    return found


def profile_problems(finding):
    """Takes `cloud` and `compliance.status` out of `finding`, and returns what is wrong with them."""
    found = []
    if "cloud" in finding:
        cloud = finding.pop("cloud")
        profiles = (finding.get("metadata") or {}).get("profiles") or []
        if "cloud" not in profiles:
            found.append("finding.cloud is there but metadata.profiles does not name the cloud profile")
        try:
            found.extend(unknown_fields(cloud, Cloud.model_validate(cloud), "finding.cloud"))
        except ValidationError as error:
            found.extend(f"finding.cloud.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
    compliance = finding.get("compliance")
    if isinstance(compliance, dict) and "status" in compliance:
        status = compliance.pop("status")
        try:
            caption = ComplianceStatusID(compliance.get("status_id")).name
        except ValueError:
            caption = None
        if status != caption:
            found.append(f"finding.compliance.status is {status!r}, not the caption of status_id {compliance.get('status_id')!r} ({caption!r})")
    return found


def main():
    findings = json.load(sys.stdin)
    problems = []
    for index, finding in enumerate(findings):
        problems.extend([index, p] for p in profile_problems(finding))
        try:
            model = ComplianceFinding.model_validate(finding)
        except ValidationError as error:
            for e in error.errors():
                where = ".".join(str(p) for p in e["loc"])
                problems.append([index, f"{where}: {e['msg']}"])
            continue
        problems.extend([index, p] for p in unknown_fields(finding, model, "finding"))
    json.dump({"ocsf_version": py_ocsf_models.OCSF_VERSION, "problems": problems}, sys.stdout)


if __name__ == "__main__":
    main()
