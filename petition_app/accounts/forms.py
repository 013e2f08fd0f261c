from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..formfields import NAME_MAX, ButtonForm, Form, deliverable_email, no_link, plain_text, single_line
from ..formfields import strip as _strip

PASSWORD_MIN = 12


def password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("Password (at least %(min)d characters)", min=PASSWORD_MIN),
        validators=[
            DataRequired(_l("Please choose a password.")),
            Length(min=PASSWORD_MIN, max=200, message=_l("Use between %(min)d and %(max)d characters.")),
        ],
    )
    repeat = PasswordField(
        _l("The same password again"),
        validators=[DataRequired(_l("Please repeat the password.")), EqualTo("password", _l("The two passwords differ."))],
    )
    return password, repeat


class RegisterForm(Form):
    name = StringField(
        _l("Your name"),
        filters=[_strip],
        validators=[DataRequired(_l("Please fill in your name.")), Length(max=NAME_MAX, message=_l("Please use at most %(max)d characters.")), plain_text, no_link],
    )
    email = EmailField(
        _l("Your email address"),
        filters=[_strip],
        validators=[DataRequired(_l("Please fill in your email address.")), Length(max=254), deliverable_email],
    )
    password, password_repeat = password_fields()
    submit = SubmitField(_l("Create account"))


class LoginForm(Form):
    email = EmailField(_l("Your email address"), filters=[_strip], validators=[DataRequired(_l("Please fill in your email address.")), Length(max=254), single_line])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please fill in your password.")), Length(max=200)])
    submit = SubmitField(_l("Log in"))


class ResetRequestForm(Form):
    email = EmailField(_l("Your email address"), filters=[_strip], validators=[DataRequired(_l("Please fill in your email address.")), Length(max=254), single_line])
    submit = SubmitField(_l("Send me a link"))


class ResetForm(Form):
    password, password_repeat = password_fields()
    submit = SubmitField(_l("Save the new password"))


__all__ = ["ButtonForm", "LoginForm", "RegisterForm", "ResetForm", "ResetRequestForm"]
