"""Directory pages: search, profiles of people and organisations, editing, contact and introductions."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal import pagecache, versions
from portal.accounts.models import Role, User
from portal.auth import role_required
from portal.db import utcnow
from portal.directory import contact, introductions, memberships, search, services, suggestions
from portal.directory.forms import (
    ButtonForm,
    ContactForm,
    IntroductionForm,
    JoinForm,
    MemberForm,
    OrganisationForm,
    ProfileForm,
    ReportForm,
    SearchForm,
    TagForm,
    VerifyForm,
)
from portal.directory.labels import (
    KIND_LABELS,
    LANGUAGE_LABELS,
    ORGANISATION_TYPE_LABELS,
    TAG_CATEGORY_LABELS,
    THEME_LABELS,
    VISIBILITY_SHORT,
)
from portal.directory.models import Organisation, OrganisationMembership, ProfileKind, Tag
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.forms import REFUSED, attempt, committed, show_domain_error, status_for

bp = Blueprint("directory", __name__)


@bp.app_context_processor
def _directory_helpers():
    return {"directory_labels": {
        "types": ORGANISATION_TYPE_LABELS, "themes": THEME_LABELS, "languages": LANGUAGE_LABELS,
        "visibility": VISIBILITY_SHORT, "kinds": KIND_LABELS, "categories": TAG_CATEGORY_LABELS}}


def _filters(form: SearchForm) -> search.Filters:
    return search.Filters(
        q=form.q.data or "", kind=form.kind.data or "", organisation_type=form.organisation_type.data or "",
        theme=form.theme.data or "", tag=form.tag.data or "", direction=form.direction.data or "",
        language=form.language.data or "", neighbourhood=form.neighbourhood.data or "",
        volunteers=bool(form.volunteers.data))


def _search_form() -> SearchForm:
    form = SearchForm(request.args)
    form.tag.choices = [SelectChoice("", _("Tous"))] + [SelectChoice(t.slug, t.label) for t in services.all_tags()]
    form.neighbourhood.choices = [SelectChoice("", _("Tous"))] + [
        SelectChoice(n, n) for n in search.neighbourhoods(current_user)]
    return form


# What a directory page shows: a visitor's page is reused until one of these tables changes.
DIRECTORY_TABLES = ("directory_profiles", "directory_profile_tags", "directory_profile_languages",
                    "directory_profile_themes", "directory_tags", "organisations", "volunteers")


CHOICES = {"kind": KIND_LABELS, "organisation_type": ORGANISATION_TYPE_LABELS, "theme": THEME_LABELS,
           "direction": {"offer": None, "need": None}, "language": LANGUAGE_LABELS}


def _plain_valid(args) -> bool:
    """The checks of SearchForm, without building it: the cached page must stay cheap."""
    if len(args.get("q", "")) > 200 or not (args.get("page", "") or "1").isdigit():
        return False
    return all(not args.get(name) or args.get(name) in allowed for name, allowed in CHOICES.items())


@bp.get("/annuaire")
def index():
    if not _plain_valid(request.args):  # shown again with its errors, never cached
        return _render_index()
    page = pagecache.anonymous_page(versions.stamp(*DIRECTORY_TABLES), _render_index)
    return page if page is not None else _render_index()


def _render_index(**extra):
    form = _search_form()
    if not form.validate():
        return render_template("directory/index.html", form=form, results=None, **extra), 422
    results = search.search(_filters(form), current_user, page=form.page.data or 1)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("directory/index.html", form=form, results=results, args=args, **extra)


@bp.get("/annuaire/photos/<int:profile_id>/<name>")
def photo(profile_id: int, name: str):
    profile = services.profile_by_id(profile_id, current_user)
    if profile.photo != name:
        abort(404)
    response = send_from_directory(current_app.config["UPLOAD_FOLDER"], name, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/annuaire/membres/<int:user_id>")
def show_person(user_id: int):
    profile = services.person_profile(user_id, current_user)
    memberships = db.session.scalars(
        select(OrganisationMembership).where(OrganisationMembership.user_id == user_id)).all()
    # An organisation is named on a person's page only if its own profile is visible to the viewer.
    organisations = [m for m in memberships if m.organisation.profile is not None
                     and services.can_view(m.organisation.profile, current_user)]
    from portal.volunteers.services import volunteer_of

    return render_template(
        "directory/show_person.html", profile=profile, organisations=organisations,
        contact=services.contact_of(profile) if services.shows_contact(profile, current_user) else None,
        mine=services.owns(profile, current_user), volunteer=volunteer_of(profile.user),
        suggested=suggestions.for_needs(profile, current_user) if services.owns(profile, current_user) else [])


@bp.get("/annuaire/organisations/<slug>")
def show_organisation(slug: str):
    organisation = services.organisation_by_slug(slug, current_user)
    profile = organisation.profile
    now = utcnow()
    return render_template(
        "directory/show_organisation.html", organisation=organisation, profile=profile,
        members=services.public_members(organisation, current_user),
        events=services.upcoming_events(organisation, current_user, now),
        contact=services.contact_of(profile) if services.shows_contact(profile, current_user) else None,
        may_edit=services.may_edit_organisation(current_user, organisation),
        suggested=suggestions.for_needs(profile, current_user), verify_form=VerifyForm(),
        membership=memberships.membership_of(current_user, organisation),
        join_pending=memberships.pending_request_of(current_user, organisation), join_form=JoinForm(),
        button=ButtonForm())


def _profile_form(profile, form_class=ProfileForm, **extra):
    data = services.current_data(profile)
    form = form_class(obj=None, data={
        "visibility": data.visibility, "share_contact": data.share_contact, "presentation": data.presentation,
        "themes": data.themes, "neighbourhood": data.neighbourhood, "town": data.town, "languages": data.languages,
        "offer_tags": data.offer_tag_ids, "offers_text": data.offers_text, "need_tags": data.need_tag_ids,
        "needs_text": data.needs_text, "website": data.website, "social_links": data.social_links, **extra})
    choices = [SelectChoice(t.id, t.label) for t in services.all_tags()]
    form.offer_tags.choices = choices
    form.need_tags.choices = list(choices)
    return form


def _data_from(form) -> services.ProfileData:
    return services.ProfileData(
        visibility=form.visibility.data, share_contact=bool(form.share_contact.data),
        presentation=form.presentation.data or "", neighbourhood=form.neighbourhood.data or "",
        town=form.town.data or "", website=(form.website.data or "").strip(), social_links=form.social_links.data or "",
        offers_text=form.offers_text.data or "", needs_text=form.needs_text.data or "",
        offer_tag_ids=list(form.offer_tags.data or []), need_tag_ids=list(form.need_tags.data or []),
        languages=list(form.languages.data or []), themes=list(form.themes.data or []))


def _save(profile, form, now) -> None:
    services.save_profile(profile, _data_from(form), now=now)
    if form.remove_photo.data:
        services.remove_photo(profile)
    if form.photo.data:
        services.set_photo(profile, form.photo.data.stream, now=now)


@bp.route("/annuaire/ma-fiche", methods=["GET", "POST"])
@login_required
def edit_my_profile():
    now = utcnow()
    profile = services.own_profile(current_user)
    if request.method == "GET":
        # Nothing is stored until the person saves: a new profile starts hidden.
        form = _profile_form(profile or services.Profile(kind=services.ProfileKind.PERSON, visibility=services.Visibility.HIDDEN))
    else:
        form = ProfileForm()
        form.offer_tags.choices = form.need_tags.choices = [SelectChoice(t.id, t.label) for t in services.all_tags()]
        if form.validate_on_submit():
            try:
                profile = services.profile_for_user(current_user, now=now)
                _save(profile, form, now)
            except DomainError as err:
                db.session.rollback()
                show_domain_error(form, err)
            else:
                db.session.commit()
                flash(_("Votre fiche est enregistrée."), "success")
                return redirect(url_for("directory.edit_my_profile"), 303)
    return render_template("directory/edit_profile.html", form=form, profile=profile,
                           memberships=services.organisations_of(current_user),
                           title=_("Ma fiche dans l'annuaire")), status_for(form)


@bp.route("/annuaire/organisations/nouvelle", methods=["GET", "POST"])
@login_required
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = committed(lambda: services.create_organisation(
            current_user, name=form.name.data, type_=form.type.data, contact_email=form.contact_email.data or "",
            contact_phone=form.contact_phone.data or "", role=form.role.data or "", now=utcnow()), form)
        if organisation is not REFUSED:
            flash(_("L'organisation est créée. Complétez sa fiche puis choisissez qui peut la voir."), "success")
            return redirect(url_for("directory.edit_organisation", slug=organisation.slug), 303)
    return render_template("directory/new_organisation.html", form=form), status_for(form)


class OrganisationProfileForm(ProfileForm):
    name = OrganisationForm.name
    type = OrganisationForm.type
    contact_email = OrganisationForm.contact_email
    contact_phone = OrganisationForm.contact_phone


def _managed(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        abort(404)
    if not services.may_edit_organisation(current_user, organisation):
        abort(403)
    return organisation


@bp.route("/annuaire/organisations/<slug>/modifier", methods=["GET", "POST"])
@login_required
def edit_organisation(slug: str):
    organisation = _managed(slug)
    profile = organisation.profile
    now = utcnow()
    if request.method == "POST":
        form = OrganisationProfileForm()
        form.offer_tags.choices = form.need_tags.choices = [SelectChoice(t.id, t.label) for t in services.all_tags()]
        if form.validate_on_submit():
            def save() -> None:
                services.update_organisation(organisation, name=form.name.data, type_=form.type.data,
                                             contact_email=form.contact_email.data or "",
                                             contact_phone=form.contact_phone.data or "", now=now)
                _save(profile, form, now)

            if committed(save, form) is not REFUSED:
                flash(_("La fiche de l'organisation est enregistrée."), "success")
                return redirect(url_for("directory.edit_organisation", slug=organisation.slug), 303)
    else:
        form = _profile_form(profile, OrganisationProfileForm, name=organisation.name, type=organisation.type.value,
                             contact_email=organisation.contact_email or "",
                             contact_phone=organisation.contact_phone or "")
    members = db.session.scalars(select(OrganisationMembership).where(
        OrganisationMembership.organisation_id == organisation.id)).all()
    return render_template("directory/edit_organisation.html", form=form, organisation=organisation,
                           profile=profile, members=members, member_form=MemberForm(prefix="member"),
                           join_requests=memberships.pending_requests(organisation),
                           button=ButtonForm()), status_for(form)


@bp.post("/annuaire/organisations/<slug>/membres")
@login_required
def add_member(slug: str):
    organisation = _managed(slug)
    form = MemberForm(prefix="member")
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user is None or not user.active:
            flash(_("Aucun compte actif n'utilise cette adresse."), "error")
        else:
            services.join_organisation(current_user, organisation, user, role=form.role.data or "",
                                       manager=bool(form.is_manager.data), now=utcnow())
            db.session.commit()
            flash(_("Membre ajouté."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("directory.edit_organisation", slug=slug), 303)


@bp.post("/annuaire/organisations/<slug>/membres/<int:user_id>/retirer")
@login_required
def remove_member(slug: str, user_id: int):
    organisation = _managed(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    attempt(lambda: memberships.leave(current_user, organisation, db.session.get(User, user_id) or abort(404)),
            _("Membre retiré."))
    return redirect(url_for("directory.edit_organisation", slug=slug), 303)


@bp.post("/annuaire/organisations/<slug>/verification")
@role_required(Role.STAFF, Role.ADMIN)
def verify(slug: str):
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug)) or abort(404)
    form = VerifyForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_verified(current_user, organisation, form.verified.data == "1", now=utcnow())
    db.session.commit()
    flash(_("Badge « vérifiée » mis à jour."), "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("directory.organisations_admin"), 303)


@bp.get("/annuaire/equipe/organisations")
@role_required(Role.STAFF, Role.ADMIN)
def organisations_admin():
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("directory/organisations_admin.html", organisations=organisations, form=VerifyForm())


@bp.route("/annuaire/fiches/<int:profile_id>/contacter", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"])
def contact_profile(profile_id: int):
    profile = services.profile_by_id(profile_id, current_user)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            contact.send_message(current_user, profile, subject=form.subject.data, body=form.body.data, now=utcnow())
        except DomainError as err:
            db.session.rollback()
            if err.status_code == 404:
                raise
            show_domain_error(form, err)
        else:
            db.session.commit()
            flash(_("Message envoyé. La personne vous répondra directement si elle le souhaite."), "success")
            return redirect(_profile_url(profile), 303)
    return render_template("directory/contact.html", form=form, profile=profile,
                           back=_profile_url(profile)), status_for(form)


def _profile_url(profile) -> str:
    if profile.kind == ProfileKind.PERSON:
        return url_for("directory.show_person", user_id=profile.user_id)
    return url_for("directory.show_organisation", slug=profile.organisation.slug)


@bp.route("/annuaire/signaler/<token>", methods=["GET", "POST"])
def report(token: str):
    message = contact.message_for_report(token)
    form = ReportForm()
    if form.validate_on_submit():
        contact.report(message, form.reason.data or "", now=utcnow())
        db.session.commit()
        return render_template("directory/reported.html")
    return render_template("directory/report.html", form=form, message=message), status_for(form)


@bp.get("/annuaire/equipe/signalements")
@role_required(Role.STAFF, Role.ADMIN)
def reports():
    return render_template("directory/reports.html", messages=contact.reported_messages())


@bp.route("/annuaire/equipe/mots-cles", methods=["GET", "POST"])
@role_required(Role.STAFF, Role.ADMIN)
def tags():
    form = TagForm()
    if form.validate_on_submit():
        if committed(lambda: services.save_tag(current_user, label=form.label.data, category=form.category.data,
                                               now=utcnow()), form) is not REFUSED:
            flash(_("Mot-clé ajouté."), "success")
            return redirect(url_for("directory.tags"), 303)
    return render_template("directory/tags.html", form=form, tags=services.all_tags()), status_for(form)


@bp.route("/annuaire/equipe/mots-cles/<int:tag_id>", methods=["GET", "POST"])
@role_required(Role.STAFF, Role.ADMIN)
def edit_tag(tag_id: int):
    tag = db.session.get(Tag, tag_id) or abort(404)
    form = TagForm(obj=tag if request.method == "GET" else None)
    if request.method == "GET":
        form.category.data = tag.category.value
    if form.validate_on_submit():
        def save() -> None:
            services.save_tag(current_user, label=form.label.data, category=form.category.data, tag=tag, now=utcnow())
            services.refresh_search_text_for_tag(tag)

        if committed(save, form) is not REFUSED:
            flash(_("Mot-clé modifié."), "success")
            return redirect(url_for("directory.tags"), 303)
    return render_template("directory/edit_tag.html", form=form, tag=tag), status_for(form)


@bp.route("/annuaire/membres/<int:user_id>/mise-en-relation", methods=["GET", "POST"])
@login_required
def new_introduction(user_id: int):
    profile = services.person_profile(user_id, current_user)
    form = IntroductionForm()
    if form.validate_on_submit():
        other = current_user
        if form.other_email.data:
            other = db.session.scalar(select(User).where(User.email == form.other_email.data.strip().lower()))
            if other is None:
                form.other_email.errors = [*form.other_email.errors, _("Aucun compte n'utilise cette adresse.")]
        if not form.errors:
            try:
                intro = introductions.propose(current_user, profile.user, other, form.reason.data, now=utcnow())
            except DomainError as err:
                db.session.rollback()
                if err.field in ("first", "second"):
                    err.field = "other_email"
                show_domain_error(form, err)
            else:
                db.session.commit()
                flash(_("Proposition envoyée. Les coordonnées ne seront partagées que si les deux personnes acceptent."),
                      "success")
                return redirect(url_for("directory.show_introduction", intro_id=intro.id), 303)
    return render_template("directory/new_introduction.html", form=form, profile=profile), status_for(form)


@bp.get("/mises-en-relation")
@login_required
def my_introductions():
    return render_template("directory/introductions.html", introductions=introductions.introductions_of(current_user),
                           name_for=lambda intro, person: introductions.name_for(intro, person, current_user))


@bp.get("/mises-en-relation/<int:intro_id>")
@login_required
def show_introduction(intro_id: int):
    intro = introductions.get_for(intro_id, current_user)
    side = introductions.side_of(intro, current_user)
    other = None
    if side:
        other = intro.second_user if side == "first" else intro.first_user
    names = {"first": introductions.name_for(intro, intro.first_user, current_user),
             "second": introductions.name_for(intro, intro.second_user, current_user)}
    return render_template("directory/show_introduction.html", intro=intro, side=side, other=other, names=names,
                           contacts=introductions.contacts_visible(intro, current_user), button=ButtonForm())


@bp.post("/mises-en-relation/<int:intro_id>/reponse")
@login_required
def answer_introduction(intro_id: int):
    intro = introductions.get_for(intro_id, current_user)
    if not ButtonForm().validate_on_submit() or request.form.get("accept") not in ("1", "0"):
        abort(400)
    introductions.answer(intro, current_user, request.form["accept"] == "1", now=utcnow())
    db.session.commit()
    flash(_("Votre réponse est enregistrée."), "success")
    return redirect(url_for("directory.show_introduction", intro_id=intro_id), 303)


from portal.directory import membership_views  # noqa: E402,F401  (routes on this blueprint)
