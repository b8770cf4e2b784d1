"""落户办理 through the API: the public materials checklist, qualifications (list, one), the materials, the
district check, the bureau's approval and ending a qualification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from services.settlement import handlers
from services.settlement.domain import Child, MaterialItem, ProvidedItem, RevocationReason
from services.settlement.routes.deps import (
    CONFLICT,
    NOT_FOUND,
    OTHER_DISTRICT,
    ApplicationIdPath,
    Limit,
    Offset,
    acting_scope,
    actor,
    applicant,
    context,
    district_claim,
    letter_out,
    letter_summary,
    qualification_out,
    reading_scope,
)
from services.settlement.schemas import (
    APPLICATION_ID_PATTERN,
    ApproveIn,
    ChecklistIn,
    ChecklistItem,
    ChecklistOut,
    ChildIn,
    DistrictCheckIn,
    EndIn,
    EndOut,
    LetterOut,
    MaterialsIn,
    ProvidedIn,
    QualificationOut,
    QualificationPage,
    QualificationStatus,
)

router = APIRouter()


def _children(children: list[ChildIn]) -> tuple[Child, ...]:
    return tuple(Child(birth_date=c.birth_date, birth_order=c.birth_order, name=c.name) for c in children)


def _provided(provided: list[ProvidedIn]) -> tuple[ProvidedItem, ...]:
    return tuple(ProvidedItem(p.item, p.child) for p in provided)


def _item(i: MaterialItem) -> ChecklistItem:
    return ChecklistItem(
        item=i.code, child=i.child, label_zh=i.label_zh, label_en=i.label_en, article=i.article
    )


# ---- public: the materials checklist ------------------------------------------------------------


@router.post(
    "/v1/materials/checklist",
    summary="Materials checklist 落户材料清单",
    tags=["materials 落户材料"],
    response_model=ChecklistOut,
)
async def materials_checklist(request: Request, body: ChecklistIn) -> ChecklistOut:
    """The materials an applicant must hand in to the district office (seed 004 第十一条, 附件1), for their
    situation: archive or not, and each accompanying minor child by birth date and birth order (the
    family-planning certificate is not needed for a first child, nor for a second child born on or after
    2016-01-01). With `provided`, also what is still missing.

    按第十一条生成落户材料清单：有无档案、随迁未成年子女（按出生日期和孩次判断是否需要计划生育证明）。
    """
    cmd = handlers.CheckMaterials(
        has_archive=body.has_archive,
        children=_children(body.children),
        provided=_provided(body.provided),
        as_of=body.as_of,
    )
    out = await context(request).run(handlers.materials_checklist, cmd, actor=actor(request))
    return ChecklistOut(
        items=[_item(i) for i in out.items],
        missing=[_item(i) for i in out.missing],
        complete=not out.missing,
    )


# ---- qualifications -----------------------------------------------------------------------------


@router.get(
    "/v1/qualifications",
    summary="Qualifications 落户资格列表",
    tags=["qualifications 落户资格"],
    response_model=QualificationPage,
    responses=OTHER_DISTRICT,
)
async def list_qualifications(
    request: Request,
    status: QualificationStatus | None = None,
    round_id: Annotated[str | None, Query(pattern=APPLICATION_ID_PATTERN)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> QualificationPage:
    """Settlement qualifications by application id, filterable by status and round (paginated).

    District staff (区人力社保局) see only the qualifications that settle in their district (the
    `settlement_district` named with the materials equals their account's district); qualifications whose
    materials have not been handed in yet belong to no district and are not listed for them (look one up by
    its application id). A district staff account without a district gets 403 `no_district`.

    积分落户资格列表（分页，可按状态、年度筛选）；区人力社保局工作人员只能看到落户区为本区的资格。
    """
    cmd = handlers.ListQualifications(status, round_id, limit, offset, reading_scope(request))
    page = await context(request).run(handlers.list_qualifications, cmd, actor=actor(request))
    return QualificationPage(
        items=[qualification_out(v) for v in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get(
    "/v1/qualifications/{application_id}",
    summary="One qualification 落户资格详情",
    tags=["qualifications 落户资格"],
    response_model=QualificationOut,
    responses={**NOT_FOUND, **OTHER_DISTRICT},
)
async def get_qualification(request: Request, application_id: ApplicationIdPath) -> QualificationOut:
    """A qualification with its validity, the settlement district, the materials and their checklist, the
    decisions and the letters.

    落户资格详情：有效期、落户区、材料清单、区审核和市局核准、函件。Applicants see only their own; district staff
    see those of their district and those not yet tied to a district (before the materials name one),
    others are 403 `other_district`.
    """
    cmd = handlers.GetQualification(application_id, applicant(request), reading_scope(request))
    return qualification_out(
        await context(request).run(handlers.get_qualification, cmd, actor=actor(request))
    )


@router.post(
    "/v1/qualifications/{application_id}/materials",
    summary="Hand in materials 提交落户材料",
    tags=["qualifications 落户资格"],
    response_model=QualificationOut,
    responses={**NOT_FOUND, **CONFLICT, **OTHER_DISTRICT},
)
async def submit_materials(
    request: Request, application_id: ApplicationIdPath, body: MaterialsIn
) -> QualificationOut:
    """Record the materials handed in to the district office (seed 004 第十一条): the settlement district
    (`settlement_district`, 落户区: where the hukou will be registered, a Beijing district code), the
    applicant's situation (archive, accompanying children) and each material provided. Every material of
    the checklist must be there (422 lists what is missing). Allowed after the confirmation letter, or
    after materials were returned (the re-submission may name another district), while the qualification
    is valid.

    District staff (区人力社保局) record materials only for their own district: naming another is 403
    `other_district`, an account without a district 403 `no_district`. Bureau staff and the applicant may
    name any district.

    登记申请人向区指定部门提交的落户材料及拟落户区；缺件时返回缺少的材料（422）。区人力社保局工作人员只能登记落户区为本区的材料。
    """
    cmd = handlers.SubmitMaterials(
        application_id=application_id,
        settlement_district=body.settlement_district,
        has_archive=body.has_archive,
        children=_children(body.children),
        provided=_provided(body.provided),
        applicant=applicant(request),
        scope=acting_scope(request),
    )
    return qualification_out(await context(request).run(handlers.submit_materials, cmd, actor=actor(request)))


@router.post(
    "/v1/qualifications/{application_id}/district-check",
    summary="District check 区审核",
    tags=["qualifications 落户资格"],
    response_model=QualificationOut,
    responses={**NOT_FOUND, **CONFLICT, **OTHER_DISTRICT},
)
async def district_check(
    request: Request, application_id: ApplicationIdPath, body: DistrictCheckIn
) -> QualificationOut:
    """The district office's check of the submitted materials: passed (reported to the bureau for approval)
    or returned to the applicant with what is wrong.

    Done by district staff (`district_staff`, 区人力社保局) of the qualification's settlement district only:
    their account's district must equal the `settlement_district` named with the materials. Another
    district's clerk gets 403 `other_district`, an account without a district 403 `no_district`, and the
    qualification does not change. Bureau staff approve afterwards.

    区指定部门审核：仅限落户区所在区的人力社保局工作人员；审核无误报市人力资源社会保障局核准，或退回并一次性告知。
    """
    scope = handlers.DistrictScope(district_claim(request))
    cmd = handlers.DistrictCheck(application_id, body.passed, body.note, scope)
    return qualification_out(await context(request).run(handlers.district_check, cmd, actor=actor(request)))


@router.post(
    "/v1/qualifications/{application_id}/approve",
    summary="Approve and issue the letter 核准并出具函件",
    tags=["qualifications 落户资格"],
    response_model=LetterOut,
    status_code=201,
    responses={**NOT_FOUND, **CONFLICT},
)
async def approve(request: Request, application_id: ApplicationIdPath, body: ApproveIn) -> LetterOut:
    """The bureau approves a district-checked qualification (第十一条 核准) and issues the settlement letter
    for the transfer of archives and hukou (第十二条 函件) in the same transaction; `letter.issued` follows.
    Bureau staff only; the approver must not be the person who recorded the district check.

    市局核准并出具调档及落户函件（与区审核人不得为同一人）。
    """
    cmd = handlers.Approve(application_id, body.note)
    return letter_out(await context(request).run(handlers.approve, cmd, actor=actor(request)))


@router.post(
    "/v1/qualifications/{application_id}/cancel",
    summary="End a qualification 取消落户资格",
    tags=["qualifications 落户资格"],
    response_model=EndOut,
    responses={**NOT_FOUND, **CONFLICT},
)
async def cancel(request: Request, application_id: ApplicationIdPath, body: EndIn) -> EndOut:
    """End a qualification before settlement: fraud (第十七条; the person is recorded for five years, and
    the employer too when it helped), a criminal record (第十八条) or given up on request (第十三条). Every
    letter of it is revoked (`letter.revoked`), `qualification.cancelled` is emitted; nobody is added.

    取消积分落户资格（弄虚作假、曾被追究刑事责任、本人放弃），撤销其函件，不递补。
    """
    cmd = handlers.Cancel(application_id, RevocationReason(body.reason), body.note, body.employer_assisted)
    ended = await context(request).run(handlers.cancel, cmd, actor=actor(request))
    return EndOut(
        qualification=qualification_out(ended.qualification),
        revoked=[letter_summary(x) for x in ended.revoked],
    )
