//! The account flows. Answers never reveal whether an email has an account: registration,
//! password reset and confirmation resends answer the same page either way (the account
//! holder is told by email instead), and every failed sign-in says "Invalid email or password".

use std::time::Duration;

use axum::{
    Form,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use lettre::message::Mailbox;
use maud::Markup;
use serde::Deserialize;
use sqlx::PgConnection;
use tower_sessions::Session;
use uuid::Uuid;

use super::{
    db::{self, Role, TokenPurpose},
    forms::{
        AnyForm, ChangeEmailForm, EmailForm, FieldErrors, LoginForm, NewPasswordForm, RegisterForm,
        email_problem, normalize_email,
    },
    password,
    session::{self, AuthUser, RequireAdmin, safe_next},
    tokens, views,
};
use crate::{
    backends::rate_limit::Limit,
    email::templates::{
        self, AccountLocked, ConfirmEmail, EmailChanged, PasswordReset, RegistrationAttempt,
    },
    error::AppError,
    state::AppState,
    web::{
        client_ip::ClientIp,
        components::field_error,
        flash::Flash,
        htmx::{HxRequest, redirect},
        layout::{Page, PageLayout},
    },
};

const MINUTE: Duration = Duration::from_secs(60);
const LOGIN_PER_IP: Limit = Limit {
    max: 30,
    per: MINUTE.saturating_mul(5),
};
const LOGIN_PER_ACCOUNT: Limit = Limit {
    max: 30,
    per: MINUTE.saturating_mul(15),
};
const REGISTER_PER_IP: Limit = Limit {
    max: 10,
    per: MINUTE.saturating_mul(60),
};
const EMAIL_PER_ACCOUNT: Limit = Limit {
    max: 5,
    per: MINUTE.saturating_mul(60),
};
const EMAIL_PER_IP: Limit = Limit {
    max: 10,
    per: MINUTE.saturating_mul(60),
};

/// Failed sign-ins in a row that lock an account, and for how long.
pub const LOCK_AFTER_FAILURES: i32 = 10;
pub const LOCK_FOR: Duration = MINUTE.saturating_mul(15);
const CONFIRM_VALID_FOR: Duration = Duration::from_secs(48 * 3600);
const RESET_VALID_FOR: Duration = MINUTE.saturating_mul(30);

/// Answers about an address (registration, reset, resend) take at least this long, whether
/// or not an account has it: the work differs (a row or two written, or none), and the
/// difference must not be measurable from outside.
const UNIFORM_ANSWER_TIME: Duration = Duration::from_millis(300);

async fn answer_no_sooner_than(started: tokio::time::Instant) {
    tokio::time::sleep_until(started + UNIFORM_ANSWER_TIME).await;
}

fn rate_limit(state: &AppState, key: String, limit: Limit) -> Result<(), AppError> {
    state
        .rate_limiter
        .hit(&key, limit)
        .map_err(|retry_after| AppError::TooManyRequests { retry_after })
}

fn unprocessable(page: Page) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

fn mailbox(email: &str) -> Result<Mailbox, AppError> {
    let address = email
        .parse()
        .map_err(|error| AppError::Internal(anyhow::anyhow!("stored email {email:?}: {error}")))?;
    Ok(Mailbox::new(None, address))
}

/// Creates a confirmation token and mails its link to `to` (the account's address, or the
/// new one being confirmed).
async fn send_confirmation(
    state: &AppState,
    conn: &mut PgConnection,
    user_id: Uuid,
    to: &str,
    purpose: TokenPurpose,
) -> Result<(), AppError> {
    let token = tokens::generate();
    let new_email = (purpose == TokenPurpose::ChangeEmail).then_some(to);
    db::insert_token(
        conn,
        &token.id,
        user_id,
        purpose,
        &token.verifier_hash,
        new_email,
        CONFIRM_VALID_FOR.as_secs_f64(),
    )
    .await?;
    let link = state.mailer.url(&format!("/confirm?token={}", token.token));
    let content = templates::confirm_email(&ConfirmEmail {
        name: None,
        link: &link,
    });
    state.mailer.enqueue(conn, mailbox(to)?, content).await?;
    Ok(())
}

pub async fn show_register(layout: PageLayout) -> Page {
    layout.render("Sign up", views::register("", &FieldErrors::default()))
}

pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    layout: PageLayout,
    Form(mut form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    let started = tokio::time::Instant::now();
    let errors = form.validate();
    if !errors.is_empty() {
        return Ok(unprocessable(
            layout.render("Sign up", views::register(&form.email, &errors)),
        ));
    }
    rate_limit(&state, format!("register:ip:{ip}"), REGISTER_PER_IP)?;
    rate_limit(
        &state,
        format!("register:account:{}", form.email),
        EMAIL_PER_ACCOUNT,
    )?;

    // Hashing happens whether or not the address is taken, so both answers take as long.
    let hash = password::hash(&form.password).await?;
    let mut tx = state.db.begin().await?;
    match db::insert(&mut tx, &form.email, &hash, Role::User, false).await? {
        Some(user_id) => {
            send_confirmation(
                &state,
                &mut tx,
                user_id,
                &form.email,
                TokenPurpose::ConfirmEmail,
            )
            .await?;
        }
        None => {
            let login_link = state.mailer.url("/login");
            let reset_link = state.mailer.url("/password/forgot");
            let content = templates::registration_attempt(&RegistrationAttempt {
                name: None,
                login_link: &login_link,
                reset_link: &reset_link,
            });
            state
                .mailer
                .enqueue(&mut tx, mailbox(&form.email)?, content)
                .await?;
        }
    }
    tx.commit().await?;
    answer_no_sooner_than(started).await;
    let message = format!(
        "We sent a message to {}. Open the link in it to confirm your address, then log in.",
        form.email
    );
    Ok(layout
        .render("Check your email", views::check_your_email(&message))
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn show_login(
    layout: PageLayout,
    hx: HxRequest,
    user: Option<AuthUser>,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if user.is_some() {
        return redirect(hx, next);
    }
    layout
        .render("Log in", views::login("", next, None))
        .into_response()
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    hx: HxRequest,
    session: Session,
    flash: Flash,
    layout: PageLayout,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    rate_limit(&state, format!("login:ip:{ip}"), LOGIN_PER_IP)?;
    let email = normalize_email(&form.email);
    rate_limit(&state, format!("login:account:{email}"), LOGIN_PER_ACCOUNT)?;
    let next = safe_next(form.next.as_deref()).to_owned();
    let invalid = |layout: PageLayout| {
        unprocessable(layout.render(
            "Log in",
            views::login(&email, &next, Some("Invalid email or password.")),
        ))
    };

    let Some(user) = db::find_by_email(&state.db, &email).await? else {
        // Same work as for a real account, so timing does not tell them apart.
        password::verify(&form.password, password::dummy_hash().await).await?;
        return Ok(invalid(layout));
    };
    let matches = password::verify(&form.password, &user.password_hash).await?;
    if user.is_locked() {
        return Ok(invalid(layout));
    }
    if !matches {
        let mut tx = state.db.begin().await?;
        let locked_now = db::record_failed_login(
            &mut tx,
            user.id,
            LOCK_AFTER_FAILURES,
            LOCK_FOR.as_secs_f64(),
        )
        .await?;
        if locked_now {
            tracing::warn!(user_id = %user.id, "account locked after failed sign-ins");
            let reset_link = state.mailer.url("/password/forgot");
            let content = templates::account_locked(&AccountLocked {
                name: None,
                minutes: 15,
                reset_link: &reset_link,
            });
            state
                .mailer
                .enqueue(&mut tx, mailbox(&user.email)?, content)
                .await?;
        }
        tx.commit().await?;
        return Ok(invalid(layout));
    }

    db::record_successful_login(&state.db, user.id).await?;
    session::log_in(&session, &user, form.remember.is_some()).await?;
    flash.success("You are logged in.").await?;
    Ok(redirect(hx, &next))
}

pub async fn logout(hx: HxRequest, session: Session) -> Result<Response, AppError> {
    session::log_out(&session).await?;
    Ok(redirect(hx, "/"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenQuery {
    token: Option<String>,
}

fn link_problem(layout: PageLayout, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        layout.render("Link cannot be used", views::link_problem(message)),
    )
        .into_response()
}

const BAD_LINK: &str = "It is invalid, has expired, or was already used.";

/// Confirms an address: the account's own after sign-up, or a new one after a change.
pub async fn confirm(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    session: Session,
    layout: PageLayout,
    Query(query): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let Some((id, secret)) = query.token.as_deref().and_then(tokens::split) else {
        return Ok(link_problem(layout, BAD_LINK));
    };
    let mut tx = state.db.begin().await?;
    let token = match db::find_token(&mut tx, id).await? {
        Some(token)
            if !token.used
                && !token.expired
                && tokens::matches(secret, &token.verifier_hash)
                && token.purpose != TokenPurpose::ResetPassword =>
        {
            token
        }
        _ => return Ok(link_problem(layout, BAD_LINK)),
    };
    let title = match (token.purpose, token.new_email.as_deref()) {
        (TokenPurpose::ChangeEmail, Some(new_email)) => {
            let account = db::find(&state.db, token.user_id)
                .await?
                .ok_or(AppError::NotFound)?;
            if !db::change_email(&mut tx, token.user_id, new_email).await? {
                return Ok(link_problem(
                    layout,
                    "That address now belongs to another account.",
                ));
            }
            let reset_link = state.mailer.url("/password/forgot");
            let notice = templates::email_changed(&EmailChanged {
                name: None,
                new_email,
                reset_link: &reset_link,
            });
            state
                .mailer
                .enqueue(&mut tx, mailbox(&account.email)?, notice)
                .await?;
            // Links sent to the old address (a reset, say) no longer apply.
            db::revoke_tokens(&mut tx, token.user_id).await?;
            "Your email address was changed"
        }
        _ => {
            let new_epoch = db::confirm_email(&mut tx, token.user_id).await?;
            db::use_token(&mut tx, id).await?;
            tx.commit().await?;
            // Sessions from before the confirmation ended; the owner's own, if this is it,
            // carries on.
            if let (Some(epoch), Some(user)) = (new_epoch, &user)
                && user.id == token.user_id
            {
                session::adopt_epoch(&session, user.id, epoch).await?;
            }
            let title = "Your email address is confirmed";
            return Ok(layout
                .render(title, views::confirmed(user.is_some(), title))
                .into_response());
        }
    };
    db::use_token(&mut tx, id).await?;
    tx.commit().await?;
    Ok(layout
        .render(title, views::confirmed(user.is_some(), title))
        .into_response())
}

pub async fn show_resend(layout: PageLayout) -> Page {
    layout.render(
        "New confirmation link",
        resend_form("", &FieldErrors::default()),
    )
}

fn resend_form(email: &str, errors: &FieldErrors) -> Markup {
    views::request_link(
        "Get a new confirmation link",
        "/confirm/resend",
        "Enter the address you signed up with and we will send a new link.",
        email,
        errors,
    )
}

/// A new confirmation link: for the signed-in user, or for the address in the form.
pub async fn resend(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: Option<AuthUser>,
    hx: HxRequest,
    flash: Flash,
    layout: PageLayout,
    Form(mut form): Form<EmailForm>,
) -> Result<Response, AppError> {
    rate_limit(&state, format!("email:ip:{ip}"), EMAIL_PER_IP)?;
    if let Some(user) = user {
        if !user.confirmed {
            rate_limit(
                &state,
                format!("resend:account:{}", user.email),
                EMAIL_PER_ACCOUNT,
            )?;
            let mut tx = state.db.begin().await?;
            send_confirmation(
                &state,
                &mut tx,
                user.id,
                &user.email,
                TokenPurpose::ConfirmEmail,
            )
            .await?;
            tx.commit().await?;
            flash
                .success(format!("We sent a new link to {}.", user.email))
                .await?;
        }
        return Ok(redirect(hx, "/account"));
    }

    let started = tokio::time::Instant::now();
    let errors = form.validate();
    if !errors.is_empty() {
        return Ok(unprocessable(layout.render(
            "New confirmation link",
            resend_form(&form.email, &errors),
        )));
    }
    rate_limit(
        &state,
        format!("resend:account:{}", form.email),
        EMAIL_PER_ACCOUNT,
    )?;
    if let Some(account) = db::find_by_email(&state.db, &form.email).await?
        && account.email_confirmed_at.is_none()
    {
        let mut tx = state.db.begin().await?;
        send_confirmation(
            &state,
            &mut tx,
            account.id,
            &account.email,
            TokenPurpose::ConfirmEmail,
        )
        .await?;
        tx.commit().await?;
    }
    answer_no_sooner_than(started).await;
    let message = format!(
        "If an account with {} is waiting for confirmation, a new link is on its way.",
        form.email
    );
    Ok(layout
        .render("Check your email", views::check_your_email(&message))
        .into_response())
}

fn forgot_form(email: &str, errors: &FieldErrors) -> Markup {
    views::request_link(
        "Reset your password",
        "/password/forgot",
        "Enter your account's email address and we will send you a link to choose a new \
         password.",
        email,
        errors,
    )
}

pub async fn show_forgot(layout: PageLayout) -> Page {
    layout.render(
        "Reset your password",
        forgot_form("", &FieldErrors::default()),
    )
}

pub async fn forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    layout: PageLayout,
    Form(mut form): Form<EmailForm>,
) -> Result<Response, AppError> {
    let started = tokio::time::Instant::now();
    rate_limit(&state, format!("email:ip:{ip}"), EMAIL_PER_IP)?;
    let errors = form.validate();
    if !errors.is_empty() {
        return Ok(unprocessable(
            layout.render("Reset your password", forgot_form(&form.email, &errors)),
        ));
    }
    rate_limit(
        &state,
        format!("forgot:account:{}", form.email),
        EMAIL_PER_ACCOUNT,
    )?;
    if let Some(account) = db::find_by_email(&state.db, &form.email).await? {
        let token = tokens::generate();
        let mut tx = state.db.begin().await?;
        db::insert_token(
            &mut tx,
            &token.id,
            account.id,
            TokenPurpose::ResetPassword,
            &token.verifier_hash,
            None,
            RESET_VALID_FOR.as_secs_f64(),
        )
        .await?;
        let link = state
            .mailer
            .url(&format!("/password/reset?token={}", token.token));
        let content = templates::password_reset(&PasswordReset {
            name: None,
            link: &link,
        });
        state
            .mailer
            .enqueue(&mut tx, mailbox(&account.email)?, content)
            .await?;
        tx.commit().await?;
    }
    answer_no_sooner_than(started).await;
    let message = format!(
        "If an account uses {}, a link to choose a new password is on its way. It works once, \
         within 30 minutes.",
        form.email
    );
    Ok(layout
        .render("Check your email", views::check_your_email(&message))
        .into_response())
}

/// Checks a reset token inside `conn`'s transaction, locking it; the user it belongs to.
async fn reset_token_user(
    conn: &mut PgConnection,
    token: Option<&str>,
) -> Result<Option<(String, Uuid)>, AppError> {
    let Some((id, secret)) = token.and_then(tokens::split) else {
        return Ok(None);
    };
    Ok(db::find_token(conn, id).await?.and_then(|token| {
        (token.purpose == TokenPurpose::ResetPassword
            && !token.used
            && !token.expired
            && tokens::matches(secret, &token.verifier_hash))
        .then(|| (id.to_owned(), token.user_id))
    }))
}

pub async fn show_reset(
    State(state): State<AppState>,
    layout: PageLayout,
    Query(query): Query<TokenQuery>,
) -> Result<Response, AppError> {
    let mut tx = state.db.begin().await?;
    let valid = reset_token_user(&mut tx, query.token.as_deref()).await?;
    tx.rollback().await?;
    Ok(match (valid, query.token) {
        (Some(_), Some(token)) => layout
            .render(
                "Choose a new password",
                views::reset_password(&token, &FieldErrors::default()),
            )
            .into_response(),
        _ => link_problem(layout, BAD_LINK),
    })
}

pub async fn reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    flash: Flash,
    hx: HxRequest,
    layout: PageLayout,
    Query(query): Query<TokenQuery>,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, AppError> {
    rate_limit(&state, format!("email:ip:{ip}"), EMAIL_PER_IP)?;
    let mut tx = state.db.begin().await?;
    let Some((token_id, user_id)) = reset_token_user(&mut tx, query.token.as_deref()).await? else {
        return Ok(link_problem(layout, BAD_LINK));
    };
    rate_limit(
        &state,
        format!("reset:account:{user_id}"),
        EMAIL_PER_ACCOUNT,
    )?;
    let user = db::find(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let errors = form.validate(&user.email);
    if !errors.is_empty() {
        let token = query.token.unwrap_or_default();
        return Ok(unprocessable(layout.render(
            "Choose a new password",
            views::reset_password(&token, &errors),
        )));
    }
    let hash = password::hash(&form.password).await?;
    // A new password ends every session of the account; the link proved the address too.
    db::set_password(&mut tx, user.id, &hash).await?;
    db::confirm_email(&mut tx, user.id).await?;
    db::use_token(&mut tx, &token_id).await?;
    db::revoke_tokens(&mut tx, user.id).await?;
    tx.commit().await?;
    flash
        .success("Your password was changed. Log in with the new one.")
        .await?;
    Ok(redirect(hx, "/login"))
}

pub async fn show_account(
    State(state): State<AppState>,
    user: AuthUser,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let account = db::find(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(layout.render(
        "Your account",
        views::account(&account, &views::AccountForms::default()),
    ))
}

pub async fn change_password(
    State(state): State<AppState>,
    user: AuthUser,
    session: Session,
    flash: Flash,
    hx: HxRequest,
    layout: PageLayout,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, AppError> {
    let account = db::find(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = form.validate(&account.email);
    if !password::verify(&form.current_password, &account.password_hash).await? {
        errors.add("current_password", "That is not your current password.");
    }
    if !errors.is_empty() {
        let forms = views::AccountForms {
            password_errors: errors,
            ..Default::default()
        };
        return Ok(unprocessable(
            layout.render("Your account", views::account(&account, &forms)),
        ));
    }
    let hash = password::hash(&form.password).await?;
    let mut tx = state.db.begin().await?;
    let epoch = db::set_password(&mut tx, account.id, &hash).await?;
    // A pending reset or address change from before must not undo this one.
    db::revoke_tokens(&mut tx, account.id).await?;
    tx.commit().await?;
    session::adopt_epoch(&session, account.id, epoch).await?;
    flash
        .success("Your password was changed. Other sessions were logged out.")
        .await?;
    Ok(redirect(hx, "/account"))
}

pub async fn change_email(
    State(state): State<AppState>,
    user: AuthUser,
    flash: Flash,
    hx: HxRequest,
    layout: PageLayout,
    Form(form): Form<ChangeEmailForm>,
) -> Result<Response, AppError> {
    let account = db::find(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let new_email = normalize_email(&form.email);
    let mut errors = FieldErrors::default();
    if !user.confirmed {
        errors.add("email", "Confirm your current address first.");
    } else if let Some(problem) = email_problem(&new_email) {
        errors.add("email", problem);
    } else if new_email == account.email {
        errors.add("email", "That is already your address.");
    }
    if !password::verify(&form.current_password, &account.password_hash).await? {
        errors.add("current_password", "That is not your current password.");
    }
    if !errors.is_empty() {
        let forms = views::AccountForms {
            email_value: &new_email,
            email_errors: errors,
            ..Default::default()
        };
        return Ok(unprocessable(
            layout.render("Your account", views::account(&account, &forms)),
        ));
    }
    rate_limit(
        &state,
        format!("change-email:user:{}", user.id),
        EMAIL_PER_ACCOUNT,
    )?;
    rate_limit(
        &state,
        format!("change-email:address:{new_email}"),
        EMAIL_PER_ACCOUNT,
    )?;
    // An address taken by another account gets no link; the answer does not say so.
    if db::find_by_email(&state.db, &new_email).await?.is_none() {
        let mut tx = state.db.begin().await?;
        send_confirmation(
            &state,
            &mut tx,
            account.id,
            &new_email,
            TokenPurpose::ChangeEmail,
        )
        .await?;
        tx.commit().await?;
    }
    flash
        .success(format!(
            "We sent a link to {new_email}. Your address changes when you open it."
        ))
        .await?;
    Ok(redirect(hx, "/account"))
}

pub async fn end_other_sessions(
    State(state): State<AppState>,
    user: AuthUser,
    session: Session,
    flash: Flash,
    hx: HxRequest,
) -> Result<Response, AppError> {
    let epoch = db::end_sessions(&state.db, user.id).await?;
    session::adopt_epoch(&session, user.id, epoch).await?;
    flash.success("Every other session was logged out.").await?;
    Ok(redirect(hx, "/account"))
}

pub async fn admin_users(
    State(state): State<AppState>,
    RequireAdmin(_): RequireAdmin,
    layout: PageLayout,
) -> Result<Page, AppError> {
    let users = db::list(&state.db).await?;
    Ok(layout.render("Users", views::admin_users(&users)))
}

/// On-blur validation: htmx posts the whole form and names the field that lost focus in
/// `HX-Trigger-Name`; the answer is that field's error line.
pub async fn validate_field(headers: HeaderMap, Form(form): Form<AnyForm>) -> Response {
    let Some(field) = headers
        .get("hx-trigger-name")
        .and_then(|value| value.to_str().ok())
        .filter(|name| matches!(*name, "email" | "password" | "password_confirmation"))
    else {
        return AppError::BadRequest("Unknown field.".into()).into_response();
    };
    field_error(field, form.check(field)).into_response()
}
