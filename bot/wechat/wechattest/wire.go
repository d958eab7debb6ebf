package wechattest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Wire shapes of the WeChat web protocol, field for field as the real server
// sends them (see the reference, §2). openwechat decodes into structs with
// strict types, so the types here matter: MsgId/MsgID/FileSize are strings,
// NewMsgId/CreateTime/Uin are numbers.

type baseResponse struct {
	Ret    int    `json:"Ret"`
	ErrMsg string `json:"ErrMsg"`
}

// flexInt accepts a JSON number or a quoted number: openwechat sends
// BaseRequest.Uin as a number, the browser as a string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("uin %s: %w", b, err)
	}
	*f = flexInt(n)
	return nil
}

type baseRequest struct {
	Uin      flexInt `json:"Uin"`
	Sid      string  `json:"Sid"`
	Skey     string  `json:"Skey"`
	DeviceID string  `json:"DeviceID"`
}

type keyVal struct {
	Key int64 `json:"Key"`
	Val int64 `json:"Val"`
}

type syncKey struct {
	Count int      `json:"Count"`
	List  []keyVal `json:"List"`
}

type wireUser struct {
	Uin               int64      `json:"Uin"`
	UserName          string     `json:"UserName"`
	NickName          string     `json:"NickName"`
	HeadImgUrl        string     `json:"HeadImgUrl"`
	ContactFlag       int        `json:"ContactFlag"`
	MemberCount       int        `json:"MemberCount"`
	MemberList        []wireUser `json:"MemberList"`
	RemarkName        string     `json:"RemarkName"`
	HideInputBarFlag  int        `json:"HideInputBarFlag"`
	Sex               int        `json:"Sex"`
	Signature         string     `json:"Signature"`
	VerifyFlag        int        `json:"VerifyFlag"`
	OwnerUin          int        `json:"OwnerUin"`
	PYInitial         string     `json:"PYInitial"`
	PYQuanPin         string     `json:"PYQuanPin"`
	RemarkPYInitial   string     `json:"RemarkPYInitial"`
	RemarkPYQuanPin   string     `json:"RemarkPYQuanPin"`
	StarFriend        int        `json:"StarFriend"`
	AppAccountFlag    int        `json:"AppAccountFlag"`
	Statues           int        `json:"Statues"`
	AttrStatus        int64      `json:"AttrStatus"`
	Province          string     `json:"Province"`
	City              string     `json:"City"`
	Alias             string     `json:"Alias"`
	SnsFlag           int        `json:"SnsFlag"`
	UniFriend         int        `json:"UniFriend"`
	DisplayName       string     `json:"DisplayName"`
	ChatRoomId        int        `json:"ChatRoomId"`
	KeyWord           string     `json:"KeyWord"`
	EncryChatRoomId   string     `json:"EncryChatRoomId"`
	IsOwner           int        `json:"IsOwner"`
	HeadImgFlag       int        `json:"HeadImgFlag"`
	WebWxPluginSwitch int        `json:"WebWxPluginSwitch"`
	MemberStatus      int        `json:"MemberStatus"`
}

type recommendInfo struct {
	UserName   string `json:"UserName"`
	NickName   string `json:"NickName"`
	QQNum      int64  `json:"QQNum"`
	Province   string `json:"Province"`
	City       string `json:"City"`
	Content    string `json:"Content"`
	Signature  string `json:"Signature"`
	Alias      string `json:"Alias"`
	Scene      int    `json:"Scene"`
	VerifyFlag int    `json:"VerifyFlag"`
	AttrStatus int64  `json:"AttrStatus"`
	Sex        int    `json:"Sex"`
	Ticket     string `json:"Ticket"`
	OpCode     int    `json:"OpCode"`
}

type appInfo struct {
	AppID string `json:"AppID"`
	Type  int    `json:"Type"`
}

type wireMsg struct {
	MsgId                string        `json:"MsgId"`
	FromUserName         string        `json:"FromUserName"`
	ToUserName           string        `json:"ToUserName"`
	MsgType              int           `json:"MsgType"`
	Content              string        `json:"Content"`
	Status               int           `json:"Status"`
	ImgStatus            int           `json:"ImgStatus"`
	CreateTime           int64         `json:"CreateTime"`
	VoiceLength          int           `json:"VoiceLength"`
	PlayLength           int           `json:"PlayLength"`
	FileName             string        `json:"FileName"`
	FileSize             string        `json:"FileSize"`
	MediaId              string        `json:"MediaId"`
	Url                  string        `json:"Url"`
	AppMsgType           int           `json:"AppMsgType"`
	StatusNotifyCode     int           `json:"StatusNotifyCode"`
	StatusNotifyUserName string        `json:"StatusNotifyUserName"`
	RecommendInfo        recommendInfo `json:"RecommendInfo"`
	ForwardFlag          int           `json:"ForwardFlag"`
	AppInfo              appInfo       `json:"AppInfo"`
	HasProductId         int           `json:"HasProductId"`
	Ticket               string        `json:"Ticket"`
	ImgHeight            int           `json:"ImgHeight"`
	ImgWidth             int           `json:"ImgWidth"`
	SubMsgType           int           `json:"SubMsgType"`
	NewMsgId             int64         `json:"NewMsgId"`
	OriContent           string        `json:"OriContent"`
	EncryFileName        string        `json:"EncryFileName"`
}

const (
	msgText         = 1
	msgImage        = 3
	msgApp          = 49
	msgStatusNotify = 51
	msgSys          = 10000
	appMsgURL       = 5
)

// writeWire answers a WeChat endpoint. The real server labels JSON as
// text/plain and does not HTML-escape.
func writeWire(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeText(w http.ResponseWriter, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write([]byte(body))
}

// retBody is the minimal answer carrying only a BaseResponse.
type retBody struct {
	BaseResponse baseResponse `json:"BaseResponse"`
}
